import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import GRDB
import Logging
import Testing
import Vault

/// Erased means erased: every way a subject leaves goes through one path, a restored
/// backup loses again what was erased since, backups expire, nothing deleted lingers,
/// and the audit log neither forks nor shrinks.
@Suite("Erased means erased", .perTestLimit)
struct ErasureTests {
    let alice = OSUser(uid: 2001, gid: 2001, name: "alice")
    let bob = OSUser(uid: 2002, gid: 2002, name: "bob")

    /// What an erasure keeps on purpose, by table: the audit log (pseudonyms and actions,
    /// the accountability trail that shows the erasure itself), and the consent log,
    /// whose records are kept marked erased (`erased_at`), the proof that consent was
    /// given and when it ended. Any other table is expected empty of the subject.
    static let keptByDesign: [String: String] = [
        "audit_entry": "1=1", "consent_record": "erased_at IS NOT NULL",
    ]

    /// Rows about `subject` in every table of the database that has a subject column
    /// (`subject_id`, or the subject table's `id`), found from the schema itself: a table
    /// added later is checked without anyone listing it here. Rows `keptByDesign`
    /// allows are not counted.
    static func traces(of subject: SubjectID, in registry: ConsentRegistry) throws -> [String: Int] {
        try registry.vault.read { db in
            var counts: [String: Int] = [:]
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            for table in tables {
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { $0["name"] as String }
                guard let column = columns.first(where: { $0 == "subject_id" }) ?? (table == "subject" ? "id" : nil) else { continue }
                let kept = keptByDesign[table].map { " AND NOT (\($0))" } ?? ""
                counts[table] = try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM \(table) WHERE \(column) = ?\(kept)", arguments: [subject.rawValue])
            }
            return counts.filter { $0.value > 0 }
        }
    }

    @Test("the tables with a subject column are found from the schema, and the ones a member's history fills are among them")
    func subjectTablesFromSchema() throws {
        let fixture = try ConsentFixture(edit: DenyListTests.enabled)
        let registry = try fixture.open()
        let subject = try enrolWithHistory(registry, fixture, name: "Tia")
        let found = Set(try Self.traces(of: subject, in: registry).keys)
        // The check cannot pass by finding nothing: a member's history is in each of these.
        for table in ["subject", "template", "access_event", "incident", "denylist_entry", "door_alert", "member_card"] {
            #expect(found.contains(table), "\(table) was not found holding the member: \(found.sorted())")
        }
        registry.close()
    }

    static func lines(_ document: ExportDocument) -> [String] {
        document.text.split(separator: "\n").map(String.init)
    }

    static func restore(_ fixture: ConsentFixture, from backup: String, location: VaultLocation? = nil) throws -> (
        ConsentRegistry, ConsentRegistry.RestoreReport
    ) {
        let location = location ?? fixture.location
        let lock = try StateDirectoryLock(location: location, holder: .command, purpose: "restore", waitSeconds: 5)
        return try ConsentRegistry.restore(
            from: backup, policy: fixture.policy, location: location, lock: lock, environment: [:], clock: fixture.clock,
            logger: .init(label: "test"), actor: fixture.staff)
    }

    /// A subject with everything an erasure must remove: visits, incidents, an
    /// active deny-list entry, a door alert and a card.
    func enrolWithHistory(_ registry: ConsentRegistry, _ fixture: ConsentFixture, name: String) throws -> SubjectID {
        let subject = try registry.enrol(
            ConsentFixture.request(name, purposes: ["entry", "attendance-analytics"]), embeddings: [VaultFixture.randomDescriptor()],
            by: fixture.staff
        ).0.id
        try registry.recordVisit(of: subject, decision: "member", at: fixture.clock.now())
        let (incident, _) = try registry.addIncident(subject, category: "theft", note: "took a coat", actor: alice)
        let entry = try registry.proposeDenyListEntry(subject, reason: "repeated theft", evidence: [incident.id], actor: alice)
        _ = try registry.approveDenyListEntry(entry.id, reason: "seen on camera", actor: bob)
        _ = try registry.approveDenyListEntry(entry.id, reason: "agreed", actor: fixture.staff)
        #expect(try registry.raiseAlert(for: subject) != nil)
        try registry.cards.set("card of \(name)", for: subject, actor: alice)
        return subject
    }

    @Test(
        "a restored backup loses again every subject erased since: every table, the consent record marked, the audit prefix kept, the restore audited"
    )
    func restoreAfterErasure() throws {
        let fixture = try ConsentFixture(edit: DenyListTests.enabled)
        var registry = try fixture.open()
        let erased = try enrolWithHistory(registry, fixture, name: "Eve")
        let kept = try registry.enrol(ConsentFixture.request("Kim"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0.id
        let backup = fixture.directory.file("before.sqlite")
        try VaultStore.backup(database: fixture.location.database, to: backup)
        try registry.erase(erased, reason: .request, actor: fixture.staff)
        let beforeRestore = Self.lines(try registry.exportAudit(format: .jsonl, actor: fixture.staff))
        registry.close()

        let (restored, report) = try Self.restore(fixture, from: backup)
        registry = restored
        #expect(report.erasuresReapplied == 1)
        #expect(report.auditEntriesPutBack > 0)
        #expect(try Self.traces(of: erased, in: registry).isEmpty, "nothing of the erased subject survives the restore")
        #expect(try registry.vault.exists(kept))
        #expect(registry.activeConsent(of: erased) == nil)
        #expect(!registry.vault.gallery.contains(erased))
        let records = try registry.consentRecords(of: erased)
        #expect(!records.isEmpty && records.allSatisfy { $0.erasedAt != nil }, "the consent-log shows the record erased, not live")
        // `erase` can still be asked, and says the subject is gone.
        #expect(throws: VaultError.self) { try registry.erase(erased, reason: .request, actor: fixture.staff) }

        // The audit log went on: the export taken before the restore is a prefix of
        // the one after, and the restore and the re-erasure are in it, in that order.
        let afterRestore = Self.lines(try registry.exportAudit(format: .jsonl, actor: fixture.staff))
        #expect(try AuditVerifier.extends(afterRestore, older: beforeRestore, publicKey: registry.audit.publicKey) == nil)
        let entries = try registry.vault.read { db in try AuditLog.entries(in: db) }
        #expect(entries.map(\.seq) == Array(1...entries.count), "no sequence number reused")
        let restoreAt = try #require(entries.firstIndex { $0.action == "database.restore" })
        let replayedAt = try #require(entries.firstIndex { $0.subject == erased.rawValue && $0.details["replayed"] == .bool(true) })
        #expect(restoreAt < replayedAt)
        #expect(entries[restoreAt].actor == fixture.staff.name)
        #expect(entries.filter { $0.action == "subject.erase" && $0.subject == erased.rawValue }.count == 2, "the erasure and its replay")
    }

    @Test(
        "an erasure killed after its journal entry is finished, consent side included, by a restore of a backup taken before the next open")
    func interruptedErasure() async throws {
        let fixture = try ConsentFixture(edit: DenyListTests.enabled)
        let victim: SubjectID
        do {
            let registry = try fixture.open()
            victim = try enrolWithHistory(registry, fixture, name: "Vic")
            registry.close()
        }
        let state = fixture.location.stateDirectory, policyPath = fixture.policyPath, subject = victim.rawValue
        await #expect(processExitsWith: .signal(SIGKILL)) {
            [state = state as String, policyPath = policyPath as String, subject = subject as String] in
            setenv("FACEGATE_CRASH_AT", "erase.after-journal", 1)
            let location = VaultLocation(stateDirectory: state)
            let lock = try StateDirectoryLock(location: location, holder: .command, purpose: "test")
            let registry = try ConsentRegistry.open(
                policy: try Policy.load(path: policyPath), location: location, lock: lock, environment: [:], logger: .init(label: "test"))
            try registry.erase(SubjectID(subject)!, reason: .request, actor: .system)
        }
        // A backup now (read-only) still holds the subject; it changes nothing.
        let backup = fixture.directory.file("after-crash.sqlite")
        try VaultStore.backup(database: fixture.location.database, to: backup)
        let (registry, report) = try Self.restore(fixture, from: backup)
        #expect(report.erasuresReapplied == 1)
        #expect(try Self.traces(of: victim, in: registry).isEmpty)
        #expect(try registry.consentRecords(of: victim).allSatisfy { $0.erasedAt != nil })
        let erasures = try registry.vault.read { db in try AuditLog.entries(in: db, subject: victim).filter { $0.action == "subject.erase" }
        }
        #expect(erasures.count == 1 && erasures.first?.details["replayed"] == .bool(true))
    }

    @Test("a backup restored on a replacement device with the key directory re-applies every erasure")
    func replacementDevice() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let erased = try registry.enrol(ConsentFixture.request("Eve"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0
            .id
        let kept = try registry.enrol(ConsentFixture.request("Kim"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0.id
        let backup = fixture.directory.file("offsite.sqlite")
        try VaultStore.backup(database: fixture.location.database, to: backup)
        try registry.erase(erased, reason: .request, actor: fixture.staff)
        registry.close()

        // The old device is lost; a new one gets the recovery kit (the key directory).
        let replacement = VaultLocation(stateDirectory: fixture.directory.file("new-device"))
        try FileManager.default.createDirectory(atPath: replacement.stateDirectory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.location.keys.path, toPath: replacement.keys.path)
        let (restored, report) = try Self.restore(fixture, from: backup, location: replacement)
        #expect(report.erasuresReapplied == 1)
        #expect(try !restored.vault.exists(erased))
        #expect(try restored.vault.exists(kept))
        #expect(try restored.consentRecords(of: erased).allSatisfy { $0.erasedAt != nil })
        #expect(try restored.vault.profile(of: kept).displayName == "Kim")
    }

    @Test(
        "backup_days after an erasure, a backup taken before it can no longer be decrypted with the device's keys; before that, it restores and re-erases"
    )
    func backupsExpire() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let erased = try registry.enrol(ConsentFixture.request("Eve"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0
            .id
        let kept = try registry.enrol(ConsentFixture.request("Kim"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0.id
        let backup = fixture.directory.file("old.sqlite")
        try VaultStore.backup(database: fixture.location.database, to: backup)
        let epochAtBackup = registry.vault.keys.currentEpoch
        try registry.erase(erased, reason: .request, actor: fixture.staff)
        let sweep = try registry.sweep()
        #expect(sweep.keys.begunEpoch == epochAtBackup + 1, "an erasure starts a new key epoch at the next sweep")
        #expect(sweep.keys.rewrapped == 1 && sweep.keys.destroyedEpochs.isEmpty)

        // Day 29: the backup still restores (a recent backup must stay useful), and the
        // erasure made since is applied again.
        fixture.clock.advance(days: 29)
        registry.close()
        var restored = try Self.restore(fixture, from: backup).0
        #expect(try !restored.vault.exists(erased) && restored.vault.exists(kept))

        // Day 31: the epoch the backup needs is destroyed at the sweep.
        fixture.clock.advance(days: 2)
        let late = try restored.sweep()
        #expect(late.keys.destroyedEpochs == [epochAtBackup])
        let wrapped = try Self.wrappedKey(of: erased, inBackup: backup)
        for epoch in restored.vault.keys.epochs where epoch.destroyedAt == nil {
            #expect(epoch.number != epochAtBackup)
        }
        #expect(wrapped.epoch == epochAtBackup)
        restored.close()
        let before = FileBytes.read(fixture.location.database)
        let error = #expect(throws: VaultError.self) { _ = try Self.restore(fixture, from: backup) }
        #expect(error?.code == .keyDestroyed)
        #expect(error?.message.contains("can no longer be restored") == true)
        #expect(FileBytes.firstDifference(FileBytes.read(fixture.location.database), before) == nil, "nothing was replaced")
        restored = try fixture.open()
        #expect(try restored.vault.profile(of: kept).displayName == "Kim", "the live vault moved on to the new epoch")
    }

    /// The erased subject's wrapped key and epoch as a backup file holds them.
    static func wrappedKey(of subject: SubjectID, inBackup path: String) throws -> (bytes: [UInt8], epoch: Int) {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        return try queue.read { db in
            let row = try #require(
                try Row.fetchOne(db, sql: "SELECT wrapped_key, kek_epoch FROM subject WHERE id = ?", arguments: [subject.rawValue]))
            return ([UInt8](row["wrapped_key"] as Data), row["kek_epoch"])
        }
    }

    @Test("after a partial withdrawal no byte of a deleted visit time remains in the database, its WAL or its SHM")
    func walScanAfterWithdrawal() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let subject = try registry.enrol(
            ConsentFixture.request("Val", purposes: ["entry", "attendance-analytics"]), embeddings: [VaultFixture.randomDescriptor()],
            by: fixture.staff
        ).0.id
        // Distinctive times: their 8 bytes are searched for in the files.
        let times = (1...40).map { fixture.clock.now() + Double($0) * 21_601.123_456_789 }  // one visit each
        for time in times { try registry.recordVisit(of: subject, decision: "member", at: time) }
        let database = fixture.location.database
        let files = [database, database + "-wal", database + "-shm"]
        func found() -> Int {
            let bytes = files.map(FileBytes.read).reduce([], +)
            // SQLite stores a REAL as 8 big-endian bytes.
            return times.filter { time in withUnsafeBytes(of: time.bitPattern.bigEndian) { FileBytes.contains(bytes, Array($0)) } }.count
        }
        #expect(found() > 0, "the scan can see visit times while they are stored")
        let result = try registry.withdraw(subject, purposes: ["attendance-analytics"], actor: fixture.staff)
        #expect(!result.erased)
        #expect(try registry.visits(of: subject).isEmpty)
        #expect(found() == 0)
        #expect(FileBytes.read(database + "-wal").count == 0)
    }

    @Test("an export cut back to an earlier checkpoint is refused, and so is an export with a seal from another one")
    func truncatedExport() throws {
        let fixture = try ConsentFixture { $0.replacingOccurrences(of: "checkpoint_every = 100", with: "checkpoint_every = 3") }
        let registry = try fixture.open()
        for name in ["A", "B", "C", "D", "E"] {
            _ = try registry.enrol(ConsentFixture.request(name), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff)
        }
        let first = Self.lines(try registry.exportAudit(format: .jsonl, actor: fixture.staff))
        #expect(try AuditVerifier.verify(lines: first, publicKey: registry.audit.publicKey).isValid)
        // Cut after the first checkpoint: every remaining line is genuine and signed.
        let checkpoint = try #require(first.firstIndex { $0.contains("\"type\":\"checkpoint\"") })
        let cut = Array(first.prefix(checkpoint + 1))
        let report = try AuditVerifier.verify(lines: cut, publicKey: registry.audit.publicKey)
        #expect(report.failure?.reason.contains("cut short") == true, "\(String(describing: report.failure))")
        // The seal of that export moved onto the cut lines does not fit them.
        let grafted = cut + [first.last!]
        #expect(
            try AuditVerifier.verify(lines: grafted, publicKey: registry.audit.publicKey).failure?.reason.contains(
                "not the ones it was made over") == true)
        // A later export extends the first; the first does not extend the later one.
        _ = try registry.enrol(ConsentFixture.request("F"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff)
        let second = Self.lines(try registry.exportAudit(format: .jsonl, actor: fixture.staff))
        #expect(try AuditVerifier.extends(second, older: first, publicKey: registry.audit.publicKey) == nil)
        #expect(try AuditVerifier.extends(first, older: second, publicKey: registry.audit.publicKey)?.contains("shrank") == true)
    }

    @Test(
        "entries deleted from the database's audit tail are detected at the next open, put back from the audit file, and recorded as a breach"
    )
    func deletedDatabaseTail() throws {
        let fixture = try ConsentFixture()
        var registry = try fixture.open()
        for name in ["A", "B", "C"] {
            _ = try registry.enrol(ConsentFixture.request(name), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff)
        }
        let export = Self.lines(try registry.exportAudit(format: .jsonl, actor: fixture.staff))
        let head = try registry.vault.read { db in try Int.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_entry") ?? 0 }
        try registry.vault.write { db in
            try db.execute(sql: "DELETE FROM audit_entry WHERE seq > ?", arguments: [head - 2])
            try db.execute(sql: "DELETE FROM audit_checkpoint WHERE seq > ?", arguments: [head - 2])
        }
        registry.close()
        registry = try fixture.open()
        let entries = try registry.vault.read { db in try AuditLog.entries(in: db) }
        #expect(entries.count == head + 1, "the two deleted entries are back, and a breach event follows them")
        let breach = try #require(entries.last)
        #expect(breach.action == "breach.detected")
        #expect(breach.details["problem"]?.stringValue?.contains("missing from the database") == true)
        let later = Self.lines(try registry.exportAudit(format: .jsonl, actor: fixture.staff))
        #expect(try AuditVerifier.extends(later, older: export, publicKey: registry.audit.publicKey) == nil)
    }

    @Test("a flipped byte in a ciphertext is a breach event listing the affected subject, recorded once")
    func breachOnFlippedByte() throws {
        let fixture = try ConsentFixture()
        var registry = try fixture.open()
        let victim = try registry.enrol(ConsentFixture.request("Vic"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0
            .id
        let other = try registry.enrol(ConsentFixture.request("Oli"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0.id
        #expect(try registry.checkIntegrity().isSound)
        try registry.vault.write { db in
            var sealed = try [UInt8](Data.fetchOne(db, sql: "SELECT personal FROM subject WHERE id = ?", arguments: [victim.rawValue])!)
            sealed[sealed.count / 2] ^= 0x01
            try db.execute(sql: "UPDATE subject SET personal = ? WHERE id = ?", arguments: [Data(sealed), victim.rawValue])
        }
        let report = try registry.checkIntegrity()
        #expect(!report.isSound)
        #expect(report.affectedSubjects == [victim.rawValue])
        #expect(!report.affectedSubjects.contains(other.rawValue))
        _ = try registry.checkIntegrity()
        let breaches = try registry.vault.read { db in try AuditLog.entries(in: db).filter { $0.action == "breach.detected" } }
        #expect(breaches.count == 1, "the same breach found twice is recorded once")
        #expect(breaches.first?.details["affected_subjects"] == .array([.string(victim.rawValue)]))

        // A flipped template byte stops the gallery load (fail closed), also recorded.
        try registry.vault.write { db in
            var sealed = try [UInt8](
                Data.fetchOne(db, sql: "SELECT sealed FROM template WHERE subject_id = ?", arguments: [other.rawValue])!)
            sealed[sealed.count - 3] ^= 0x80
            try db.execute(sql: "UPDATE template SET sealed = ? WHERE subject_id = ?", arguments: [Data(sealed), other.rawValue])
        }
        registry.close()
        #expect(throws: VaultError.self) { _ = try fixture.open() }
        registry = try fixture.open(loadGallery: false)
        let last = try #require(try registry.vault.read { db in try AuditLog.entries(in: db).last })
        #expect(last.action == "breach.detected" && last.details["check"] == .string("templates"))
        #expect(last.details["affected_subjects"] == .array([.string(other.rawValue)]))
    }

    @Test(
        "incident categories, notes and deny-list reasons in the audit log are sealed with the subject's key and unreadable after erasure")
    func sealedAuditDetails() throws {
        let fixture = try ConsentFixture(edit: DenyListTests.enabled)
        let registry = try fixture.open()
        let subject = try enrolWithHistory(registry, fixture, name: "Sam")
        let clearText = { () throws -> String in
            try registry.vault.read { db in
                try AuditLog.entries(in: db).map { JSONValue.object($0.details).serialized }.joined(separator: "\n")
            }
        }
        for word in ["theft", "took a coat", "repeated theft", "seen on camera"] {
            #expect(!(try clearText()).contains(word), "'\(word)' is not in the clear in the audit log")
        }
        let sealed = try registry.vault.read { db in try AuditLog.entries(in: db, subject: subject).compactMap(\.personal) }
        #expect(sealed.count >= 4)
        let opened = try registry.vault.read { db in
            try sealed.compactMap { try registry.vault.openPersonal($0, for: subject, purpose: "audit", in: db) }
        }
        #expect(opened.count == sealed.count)
        #expect(opened.contains { String(decoding: $0, as: UTF8.self).contains("theft") })
        try registry.erase(subject, reason: .request, actor: fixture.staff)
        let afterwards = try registry.vault.read { db in
            try sealed.compactMap { try registry.vault.openPersonal($0, for: subject, purpose: "audit", in: db) }
        }
        #expect(afterwards.isEmpty)
        #expect(try registry.checkIntegrity().isSound, "sealed fields of an erased subject are unreadable by design, not a breach")
    }

    @Test("an export refused before it was made is audited as refused, not as done")
    func refusedExport() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        try registry.recordUndeliveredExport("export.audit", outcome: "refused", reason: "the output file exists", actor: fixture.staff)
        let entry = try #require(try registry.vault.read { db in try AuditLog.entries(in: db).last })
        #expect(entry.action == "export.audit" && entry.details["outcome"] == .string("refused"))
        #expect(throws: ConsentError.self) {
            try registry.recordUndeliveredExport("subject.erase", outcome: "refused", reason: "x", actor: fixture.staff)
        }
    }
}

/// Records written by an older release with dates no clock can show.
@Suite("Out-of-range dates", .perTestLimit)
struct OutOfRangeDateTests {
    @Test("a consent record with an infinite expiry is listed and exported, shown as an invalid time, never a crash")
    func infiniteExpiry() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let subject = try registry.enrol(ConsentFixture.request("Old"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0
            .id
        try registry.vault.write { db in
            try db.execute(
                sql: "UPDATE consent_record SET expires_at = ? WHERE subject_id = ?", arguments: [Double.infinity, subject.rawValue])
            try db.execute(sql: "UPDATE subject SET expires_at = ? WHERE id = ?", arguments: [1e308, subject.rawValue])
        }
        registry.close()
        let reopened = try fixture.open()
        let log = try reopened.exportConsentLog(format: .jsonl, actor: fixture.staff).text
        #expect(log.contains("invalid-time(inf)"))
        #expect(try reopened.subjects().count == 1)
        _ = try reopened.exportSubjectAccess(subject, actor: fixture.staff)
        _ = try reopened.sweep()
    }
}
