import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import GRDB
import Logging
import Testing
import Vault

/// What a full disk, a crash mid-write, a careless clean-up or a tamperer does to the
/// records that keep erasures erased and the audit log whole: each is repaired or
/// reported, and nobody erased comes back.
@Suite("Damaged records", .perTestLimit)
struct DamagedRecordsTests {
    static func restore(_ fixture: ConsentFixture, from backup: String) throws -> ConsentRegistry {
        let lock = try StateDirectoryLock(location: fixture.location, holder: .command, purpose: "restore", waitSeconds: 5)
        return try ConsentRegistry.restore(
            from: backup, policy: fixture.policy, location: fixture.location, lock: lock, environment: [:], clock: fixture.clock,
            logger: Logger(label: "test"), actor: fixture.staff
        ).0
    }

    static func enrolTwo(_ registry: ConsentRegistry, _ fixture: ConsentFixture) throws -> (SubjectID, SubjectID) {
        let a = try registry.enrol(ConsentFixture.request("Ann"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0.id
        let b = try registry.enrol(ConsentFixture.request("Bob"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0.id
        return (a, b)
    }

    static func append(_ text: String, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try handle.close()
    }

    @Test("a journal line cut short by a crash does not swallow the next erasure: a restored backup keeps the person erased")
    func tornJournalLine() throws {
        let fixture = try ConsentFixture()
        var registry = try fixture.open()
        let (ann, bob) = try Self.enrolTwo(registry, fixture)
        let backup = fixture.directory.file("before.sqlite")
        try VaultStore.backup(database: fixture.location.database, to: backup)
        // Power lost in the middle of a journal line (for Bob, whose erasure then failed).
        try Self.append("{\"subject\":\"\(bob.rawValue)\",\"at\":\"2026-01-0", to: fixture.erasureJournalPath)
        try registry.erase(ann, reason: .request, actor: fixture.staff)
        registry.close()
        registry = try Self.restore(fixture, from: backup)
        #expect(try !registry.vault.exists(ann), "Ann's erasure was not glued onto the torn line and lost")
        #expect(
            try registry.vault.profile(of: bob).displayName == "Bob",
            "the torn line was cut off: an erasure whose record was never finished had not started")
    }

    @Test(
        "a journal emptied by a clean-up stops the restore; once accepted it is written back from the audit log, and the restored backup keeps the person erased"
    )
    func emptiedJournal() throws {
        let fixture = try ConsentFixture()
        var registry = try fixture.open()
        let (ann, _) = try Self.enrolTwo(registry, fixture)
        let backup = fixture.directory.file("before.sqlite")
        try VaultStore.backup(database: fixture.location.database, to: backup)
        try registry.erase(ann, reason: .request, actor: fixture.staff)
        registry.close()
        try Data().write(to: URL(fileURLWithPath: fixture.erasureJournalPath))
        let refused = #expect(throws: VaultError.self) { _ = try Self.restore(fixture, from: backup) }
        #expect(refused?.code == .journalDamaged)
        _ = try VaultStore.acceptJournalDamage(
            keys: try KeyRing.load(directory: fixture.location.keys, environment: [:]), at: fixture.clock.now())
        registry = try Self.restore(fixture, from: backup)
        #expect(try !registry.vault.exists(ann))
        #expect(try registry.consentRecords(of: ann).allSatisfy { $0.erasedAt != nil })
        let journal = try String(contentsOfFile: fixture.erasureJournalPath, encoding: .utf8)
        #expect(journal.contains(ann.rawValue), "the journal has the erasure again")
        let breaches = try registry.vault.read { db in try AuditLog.entries(in: db) }.filter { $0.action == "breach.detected" }
        #expect(breaches.contains { $0.details["check"] == "erasure_journal" }, "the emptied journal was recorded as a breach")
    }

    @Test("one damaged wrapped key does not stop the appliance after an erasure: a breach event names it, and it can be erased")
    func damagedWrappedKey() throws {
        let fixture = try ConsentFixture()
        var registry = try fixture.open()
        let (ann, bob) = try Self.enrolTwo(registry, fixture)
        try registry.vault.write { db in
            var key = try [UInt8](Data.fetchOne(db, sql: "SELECT wrapped_key FROM subject WHERE id = ?", arguments: [bob.rawValue])!)
            key[key.count - 1] ^= 1
            try db.execute(sql: "UPDATE subject SET wrapped_key = ? WHERE id = ?", arguments: [Data(key), bob.rawValue])
        }
        try registry.erase(ann, reason: .request, actor: fixture.staff)
        registry.close()
        registry = try fixture.open(loadGallery: false)  // the key rotation meets the damaged key here
        let breach = try #require(try registry.vault.read { db in try AuditLog.entries(in: db).last { $0.action == "breach.detected" } })
        #expect(breach.details["affected_subjects"] == .array([.string(bob.rawValue)]))
        #expect(throws: VaultError.self) { try registry.loadGallery() }
        try registry.erase(bob, reason: .integrity, actor: fixture.staff)
        registry.close()
        registry = try fixture.open()
        #expect(try registry.checkIntegrity().isSound)
        #expect(registry.vault.keys.epochs.filter { $0.number > 0 && $0.destroyedAt == nil }.count >= 1)
    }

    @Test("audit entries deleted from the middle of the database are put back from the audit file, and recorded as a breach")
    func deletedMiddleEntry() throws {
        let fixture = try ConsentFixture()
        var registry = try fixture.open()
        let (ann, _) = try Self.enrolTwo(registry, fixture)
        try registry.erase(ann, reason: .request, actor: fixture.staff)
        _ = try registry.enrol(ConsentFixture.request("Cid"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff)
        let erasure = try #require(try registry.vault.read { db in try AuditLog.entries(in: db).first { $0.action == "subject.erase" } })
        try registry.vault.write { db in try db.execute(sql: "DELETE FROM audit_entry WHERE seq = ?", arguments: [erasure.seq]) }
        registry.close()
        registry = try fixture.open()
        let entries = try registry.vault.read { db in try AuditLog.entries(in: db) }
        #expect(entries.map(\.seq) == Array(1...entries.count), "no gap left")
        #expect(entries.first { $0.seq == erasure.seq }?.hash == erasure.hash)
        #expect(entries.last?.details["problem"]?.stringValue?.contains("middle") == true)
        #expect(try registry.checkIntegrity().isSound)
    }

    @Test("the newest audit entries cut from both the database and the audit file are reported from the key directory's anchor")
    func cutFromBothCopies() throws {
        let fixture = try ConsentFixture()
        var registry = try fixture.open()
        let (ann, _) = try Self.enrolTwo(registry, fixture)
        try registry.erase(ann, reason: .request, actor: fixture.staff)
        _ = try registry.exportAudit(format: .jsonl, actor: fixture.staff)  // a signed checkpoint at the head
        let head = try registry.vault.read { db in try AuditLog.entries(in: db).last?.seq ?? 0 }
        try registry.vault.write { db in
            try db.execute(sql: "DELETE FROM audit_entry WHERE seq > ?", arguments: [head - 3])
            try db.execute(sql: "DELETE FROM audit_checkpoint WHERE seq > ?", arguments: [head - 3])
        }
        registry.close()
        try FileManager.default.removeItem(atPath: fixture.location.auditFile)
        registry = try fixture.open()
        let breach = try #require(try registry.vault.read { db in try AuditLog.entries(in: db).last { $0.action == "breach.detected" } })
        #expect(breach.details["problem"]?.stringValue?.contains("signed entry \(head)") == true, "\(breach.details)")
        registry.close()
        registry = try fixture.open()
        let breaches = try registry.vault.read { db in try AuditLog.entries(in: db).filter { $0.action == "breach.detected" } }
        #expect(breaches.count == 1, "reported once, not at every open")
    }

    @Test("a backup taken right after an erasure is under the new key epoch, not the erased person's")
    func backupAfterErasure() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let (ann, _) = try Self.enrolTwo(registry, fixture)
        let before = registry.vault.keys.currentEpoch
        try registry.erase(ann, reason: .request, actor: fixture.staff)
        _ = try registry.prepareBackup()
        let backup = fixture.directory.file("after.sqlite")
        try VaultStore.backup(database: fixture.location.database, to: backup)
        #expect(try VaultStore.epochs(ofBackupAt: backup) == [registry.vault.keys.currentEpoch])
        #expect(registry.vault.keys.currentEpoch == before + 1)
    }

    @Test("a backup whose key epoch is past its deadline is refused even before a sweep destroyed the key")
    func expiredBeforeSweep() throws {
        let fixture = try ConsentFixture()
        var registry = try fixture.open()
        let (ann, _) = try Self.enrolTwo(registry, fixture)
        let backup = fixture.directory.file("old.sqlite")
        try VaultStore.backup(database: fixture.location.database, to: backup)
        try registry.erase(ann, reason: .request, actor: fixture.staff)
        _ = try registry.sweep()
        registry.close()
        fixture.clock.advance(days: 31)
        let error = #expect(throws: VaultError.self) { registry = try Self.restore(fixture, from: backup) }
        #expect(error?.code == .keyDestroyed)
    }
}
