import ArgumentParser
import Consent
import FacegateCore
import FacegateTools
import FoundationEssentials
import Logging
import Vault

extension Facegate.Bench {
    /// What erasure and its guarantees cost with many subjects.
    struct Erasure: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time erasure, key-epoch rotation, backup and restore in a vault of synthetic subjects.",
            discussion: """
                Enrols --subjects synthetic people (consent records and audit entries included), then \
                times: erasing one subject (journal, transaction, WAL truncation); the sweep after \
                erasures (a new key epoch and every subject's key re-wrapped); a backup; a restore of \
                that backup after more erasures (audit entries put back, erasures re-applied, keys \
                re-wrapped).
                """)

        @Option(help: "Subjects in the vault.")
        var subjects: Int = 100_000

        @Option(help: "Erasures (and rotations) to time.")
        var runs: Int = 5

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            guard subjects > runs * 2, runs > 0 else {
                throw ValidationError("--subjects must exceed twice --runs, and --runs must be positive")
            }
        }

        func run() async throws {
            try await runReportingErrors(json: json) {
                let appliance = try BenchAppliance()
                defer { appliance.remove() }
                let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
                let actor = OSUser.system
                var erase: [Double] = [], rotate: [Double] = [], backup: [Double] = [], restore: [Double] = []
                var startCheck: [Double] = [], check: [Double] = []
                var registry = try appliance.open(logger: logger, loadGallery: false)
                try appliance.enrolSynthetic(subjects, into: registry, seed: 5)
                var ids = try registry.vault.subjects().map(\.id)
                for run in 0..<runs {
                    var start = ContinuousClock.now
                    try registry.erase(ids.removeLast(), reason: .request, actor: actor)
                    erase.append((ContinuousClock.now - start).milliseconds)
                    start = ContinuousClock.now
                    let report = try registry.sweep(actor: actor)
                    rotate.append((ContinuousClock.now - start).milliseconds)
                    precondition(report.keys.rewrapped == ids.count, "every remaining subject moves to the new epoch")
                    let file = appliance.path + "/backup-\(run).sqlite"
                    start = ContinuousClock.now
                    try VaultStore.backup(database: appliance.location.database, to: file)
                    _ = try registry.recordBackup(destination: file, epochs: try VaultStore.epochs(ofBackupAt: file), actor: actor)
                    backup.append((ContinuousClock.now - start).milliseconds)
                    // One more erasure after the backup, so that the restore re-applies it.
                    try registry.erase(ids.removeLast(), reason: .request, actor: actor)
                    registry.close()
                    start = ContinuousClock.now
                    let lock = try StateDirectoryLock(location: appliance.location, holder: .command, purpose: "benchmark")
                    let (restored, result) = try ConsentRegistry.restore(
                        from: file, policy: appliance.policy, location: appliance.location, lock: lock, environment: [:], logger: logger,
                        actor: actor)
                    restore.append((ContinuousClock.now - start).milliseconds)
                    precondition(result.erasuresReapplied >= 1)
                    registry = restored
                    try? FileManager.default.removeItem(atPath: file)
                    // What `facegate run` checks at start (the gallery load checks the
                    // templates), and `facegate audit check`.
                    start = ContinuousClock.now
                    let sound = try registry.checkIntegrity(.start).isSound
                    startCheck.append((ContinuousClock.now - start).milliseconds)
                    start = ContinuousClock.now
                    let fullySound = try registry.checkIntegrity(.full).isSound
                    check.append((ContinuousClock.now - start).milliseconds)
                    precondition(sound && fullySound)
                }
                registry.close()
                let stats = [
                    ("erase_ms", erase), ("sweep_with_rotation_ms", rotate), ("backup_ms", backup), ("restore_ms", restore),
                    ("start_check_ms", startCheck), ("audit_check_ms", check),
                ]
                if json {
                    CommandOutput.json([
                        "erasure": .object(
                            JSONObject([("subjects", .int(subjects)), ("runs", .int(runs))] + stats.map { ($0.0, Statistics($0.1)!.json) }))
                    ])
                } else {
                    for (name, values) in stats {
                        let summary = Statistics(values)!
                        CommandOutput.line(
                            "\(String(name.dropLast(3))) with \(subjects) subjects: median \(format(summary.median)) ms, p95 \(format(summary.p95)) ms (\(runs) runs)"
                        )
                    }
                }
            }
        }
    }
}
