import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import Logging
import PropertyBased
import Testing
import Vault

/// Random histories of enrolments, erasures, withdrawals, backups, restores,
/// interrupted erasures and passing days, checked after every step against two
/// invariants: no erased subject ever decrypts, matches or appears as live in an
/// export; and every audit export is a verifying prefix of every later one.
@Suite("Erasure invariants under random histories", .perTestLimit)
struct ErasurePropertyTests {
    /// One step of a history, decoded from a generated number.
    enum Step: CustomStringConvertible {
        case enrol(analytics: Bool)
        case erase(Int)
        case withdrawAll(Int)
        case withdrawAnalytics(Int)
        case backup
        case restore(Int)
        case interruptedErasure(Int)
        case days(Int)

        init(_ code: Int) {
            let pick = code / 8
            switch code % 8 {
            case 0: self = .enrol(analytics: pick % 2 == 0)
            case 1: self = .erase(pick)
            case 2: self = .withdrawAll(pick)
            case 3: self = .withdrawAnalytics(pick)
            case 4: self = .backup
            case 5: self = .restore(pick)
            case 6: self = .interruptedErasure(pick)
            default: self = .days(1 + pick % 40)
            }
        }

        var description: String {
            switch self {
            case .enrol(let analytics): "enrol\(analytics ? "+analytics" : "")"
            case .erase(let n): "erase #\(n)"
            case .withdrawAll(let n): "withdraw all #\(n)"
            case .withdrawAnalytics(let n): "withdraw analytics #\(n)"
            case .backup: "backup"
            case .restore(let n): "restore backup #\(n)"
            case .interruptedErasure(let n): "erasure #\(n) killed after its journal entry"
            case .days(let n): "\(n) days pass, sweep"
            }
        }
    }

    /// The device under test and what the model expects of it.
    final class World {
        let fixture: ConsentFixture
        var registry: ConsentRegistry
        /// Subjects the model says are enrolled, with a probe of their face.
        var alive: [SubjectID: FaceDescriptor] = [:]
        /// Every subject ever erased, with its probe.
        var erased: [SubjectID: FaceDescriptor] = [:]
        /// Backups: the file and who was alive in it.
        var backups: [(path: String, alive: [SubjectID: FaceDescriptor])] = []
        var lastAuditExport: [String] = []
        var log: [String] = []

        init() throws {
            let shm = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : "/tmp"
            fixture = try ConsentFixture(base: shm)
            registry = try fixture.open(loadGallery: true)
        }

        func subject(_ index: Int) -> SubjectID? {
            let sorted = alive.keys.sorted()
            return sorted.isEmpty ? nil : sorted[index % sorted.count]
        }

        func forget(_ subject: SubjectID) {
            if let probe = alive.removeValue(forKey: subject) { erased[subject] = probe }
        }

        func apply(_ step: Step) throws {
            log.append(step.description)
            let staff = fixture.staff
            switch step {
            case .enrol(let analytics):
                let probe = VaultFixture.randomDescriptor()
                let purposes = analytics ? ["entry", "attendance-analytics"] : ["entry"]
                let subject = try registry.enrol(
                    ConsentFixture.request("Person \(alive.count + erased.count)", purposes: purposes), embeddings: [probe], by: staff
                ).0.id
                if analytics { try registry.recordVisit(of: subject, decision: "member", at: fixture.clock.now()) }
                alive[subject] = probe
            case .erase(let index):
                guard let subject = subject(index) else { return }
                try registry.erase(subject, reason: .request, actor: staff)
                forget(subject)
            case .withdrawAll(let index):
                guard let subject = subject(index) else { return }
                #expect(try registry.withdraw(subject, actor: staff).erased)
                forget(subject)
            case .withdrawAnalytics(let index):
                guard let subject = subject(index), registry.activeConsent(of: subject)?.purposes.contains("attendance-analytics") == true
                else { return }
                _ = try registry.withdraw(subject, purposes: ["attendance-analytics"], actor: staff)
                #expect(try registry.visits(of: subject).isEmpty)
            case .backup:
                let path = fixture.directory.file("backup-\(backups.count).sqlite")
                _ = try registry.prepareBackup()
                try VaultStore.backup(database: fixture.location.database, to: path)
                _ = try registry.recordBackup(destination: path, epochs: try VaultStore.epochs(ofBackupAt: path), actor: staff)
                backups.append((path, alive))
            case .restore(let index):
                guard !backups.isEmpty else { return }
                let backup = backups[index % backups.count]
                registry.close()
                do {
                    let lock = try StateDirectoryLock(location: fixture.location, holder: .command, purpose: "restore", waitSeconds: 5)
                    registry = try ConsentRegistry.restore(
                        from: backup.path, policy: fixture.policy, location: fixture.location, lock: lock, environment: [:],
                        clock: fixture.clock, logger: Logger(label: "test"), actor: staff
                    ).0
                    try registry.loadGallery()
                    // What the backup held, less everyone erased since (ever).
                    alive = backup.alive.filter { erased[$0.key] == nil }
                } catch let error as VaultError where error.code == .keyDestroyed {
                    log.append("  (refused: the backup expired)")
                    registry = try fixture.open()
                }
            case .interruptedErasure(let index):
                // What `forget` leaves when killed right after its journal entry: the
                // line on disk, nothing else done. The next open must finish it.
                guard let subject = subject(index) else { return }
                try ErasureJournal(path: fixture.location.keys.erasureJournalPath, key: registry.vault.keys.journalKey).append(
                    ErasureJournal.Entry(subject: subject, scope: .subject(reason: "request"), actor: "test", at: fixture.clock.now()))
                registry.close()
                registry = try fixture.open()
                forget(subject)
            case .days(let days):
                fixture.clock.advance(days: Double(days))
                _ = try registry.sweep()
            }
        }

        /// The two invariants, checked against the device as it is now.
        func check() throws {
            let context = Comment(rawValue: "after: " + log.joined(separator: " → "))
            for (subject, probe) in erased {
                #expect(try !registry.vault.exists(subject), context)
                #expect(!registry.vault.gallery.contains(subject), context)
                #expect(registry.activeConsent(of: subject) == nil, context)
                #expect(!registry.vault.gallery.search(probe, k: 3).contains { $0.subject == subject }, context)
                #expect(throws: VaultError.self, context) { try registry.vault.profile(of: subject) }
                let records = try registry.consentRecords(of: subject)
                #expect(records.allSatisfy { $0.erasedAt != nil }, context)
                #expect(try registry.visits(of: subject).isEmpty, context)
            }
            for subject in alive.keys {
                #expect(try registry.vault.exists(subject), context)
            }
            let consentLog = try registry.exportConsentLog(format: .jsonl, actor: fixture.staff).text
            for line in consentLog.split(separator: "\n") where line.contains("\"type\":\"consent_record\"") {
                let value = try JSONParser.parse(String(line))
                if let subject = value["subject"]?.stringValue.flatMap(SubjectID.init), erased[subject] != nil {
                    #expect(value["erased_at"] != .null, "an erased subject appears live in the consent log; \(context.rawValue)")
                }
            }
            // (A subject enrolled and erased after the backup a restore went back to has
            // left no record in the database: only the audit log remembers them.)
            if let subject = try erased.keys.sorted().first(where: { try !registry.consentRecords(of: $0).isEmpty }) {
                let access = try registry.exportSubjectAccess(subject, actor: fixture.staff).text
                let value = try JSONParser.parse(access)
                #expect(value["personal_data"] == .null && value["biometric_data"]?["held"] == .bool(false), context)
            }
            let audit = try registry.exportAudit(format: .jsonl, actor: fixture.staff).text.split(separator: "\n").map(String.init)
            #expect(try AuditVerifier.verify(lines: audit, publicKey: registry.audit.publicKey).isValid, context)
            if !lastAuditExport.isEmpty {
                let problem = try AuditVerifier.extends(audit, older: lastAuditExport, publicKey: registry.audit.publicKey)
                #expect(problem == nil, "\(problem ?? ""); \(context.rawValue)")
            }
            lastAuditExport = audit
        }
    }

    @Test("random histories keep every erased subject gone and every audit export a prefix of the next")
    func randomHistories() async throws {
        await propertyCheck(count: 40, input: Gen.int(in: 0...79).array(of: 6...20)) { codes in
            do {
                let world = try World()
                defer { world.registry.close() }
                for code in codes {
                    try world.apply(Step(code))
                    try world.check()
                }
            } catch {
                Issue.record("a step failed: \(error)")
            }
        }
    }
}
