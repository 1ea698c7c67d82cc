import ArgumentParser
import Consent
import Edge
import FacegateCore
import Logging
import Vault

#if canImport(Glibc)
    import Glibc
#endif

extension Facegate {
    /// Copies the encrypted database.
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the encrypted database to a file (ciphertext only; the keys are not included).")

        @OptionGroup var state: StateOptions
        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The backup file to create (never overwritten).", valueName: "DEST"))
        var destination: String

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            try await runReportingErrors(json: json) {
                // The copy is read-only (it may run beside the daemon); the record of it
                // goes through the daemon, or in-process under the state directory's lock.
                // A backup that cannot be audited is not kept.
                let location = state.location
                var existing = stat()
                guard lstat(destination, &existing) != 0 else {
                    // Before anything is done (a symlink planted there included).
                    throw CommandError(.invalidArgument, "'\(destination)' already exists; backups never overwrite a file")
                }
                let runner = AdminCommandRunner(global: global, state: state)
                _ = try await runner.run(.backupPrepare)
                try VaultStore.backup(database: location.database, to: destination)
                let recorded: JSONValue
                do {
                    let epochs = try VaultStore.epochs(ofBackupAt: destination)
                    recorded = try await runner.run(.backupRecord(destination: destination, keyEpochs: epochs))
                } catch {
                    unlink(destination)
                    throw error
                }
                if json {
                    CommandOutput.json(recorded)
                } else {
                    let epochs = (recorded["key_epochs"]?.arrayValue ?? []).compactMap(\.intValue).map(String.init).joined(separator: ", ")
                    CommandOutput.line(
                        "backed up \(location.database) to \(destination) (\(recorded["subjects"]?.intValue ?? 0) subject(s), key epoch \(epochs))"
                    )
                }
            }
        }
    }

    /// Replaces the database with a backup, then replays every erasure since.
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the database with a backup; subjects erased since the backup stay erased.",
            discussion: "Stop the daemon first. The erasure journal is replayed before anything is served.")

        @OptionGroup var state: StateOptions
        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The backup file.", valueName: "SRC"))
        var source: String

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            try await runReportingErrors(json: json) {
                let policy = try state.loadPolicy()
                let location = state.location(policy: policy)
                let lock = try StateDirectoryLock(location: location, holder: .command, purpose: "restore a backup")
                let (registry, report) = try ConsentRegistry.restore(
                    from: source, policy: policy, location: location, lock: lock, environment: ProcessEnvironment.current,
                    logger: global.makeLogger(), actor: OSUser.current())
                registry.close()
                if json {
                    CommandOutput.json(report.json)
                } else {
                    CommandOutput.line(
                        "restored \(source): \(report.subjects) subject(s); \(report.erasuresReapplied) erasure(s) made since the backup applied again, \(report.auditEntriesPutBack) audit entries put back"
                    )
                    if let archived = report.archivedAuditLog {
                        CommandOutput.line(
                            "the backup's audit history is not this device's: the previous audit log was kept as \(archived)")
                    }
                }
            }
        }
    }
}
