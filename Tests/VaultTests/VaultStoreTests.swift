import FacegateCore
import FacegateTestSupport
import Foundation
import GRDB
import Logging
import Testing
import Vault

@Suite("Vault store", .perTestLimit)
struct VaultStoreTests {
    @Test("enrol, reopen with the same key, and search finds the subject")
    func roundTrip() throws {
        let fixture = try VaultFixture()
        let probe = VaultFixture.randomDescriptor()
        let enrolled: EnrolledSubject
        do {
            let store = try fixture.open()
            enrolled = try store.enrol(
                profile: SubjectProfile(displayName: "Ada Lovelace", fields: ["member": "A-17"]),
                embeddings: [probe, VaultFixture.randomDescriptor()], expiresAt: fixture.clock.now() + 86_400)
            _ = try store.enrol(
                profile: SubjectProfile(displayName: "Someone Else"), embeddings: [VaultFixture.randomDescriptor()],
                expiresAt: fixture.clock.now() + 86_400)
        }
        let reopened = try fixture.open()
        #expect(reopened.gallery.templateCount == 3)
        #expect(reopened.gallery.subjectCount == 2)
        let matches = reopened.gallery.search(probe, k: 2)
        #expect(matches.first?.subject == enrolled.id)
        #expect(matches.first?.distance == 0)
        #expect(try reopened.profile(of: enrolled.id) == SubjectProfile(displayName: "Ada Lovelace", fields: ["member": "A-17"]))
        #expect(try reopened.subjects().map(\.id).contains(enrolled.id))
    }

    @Test("every connection has secure_delete on, WAL and synchronous FULL")
    func pragmas() throws {
        let fixture = try VaultFixture()
        let store = try fixture.open()
        let (secureDelete, journalMode, synchronous) = try store.database.read { db in
            (
                try Int.fetchOne(db, sql: "PRAGMA secure_delete"), try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                try Int.fetchOne(db, sql: "PRAGMA synchronous")
            )
        }
        #expect(secureDelete == 1)
        #expect(journalMode == "wal")
        #expect(synchronous == 2)
    }

    @Test("a wrong KEK is refused with a clear error and the database is not changed")
    func wrongKEK() throws {
        let fixture = try VaultFixture()
        do {
            let store = try fixture.open()
            _ = try store.enrol(profile: .init(displayName: "A"), embeddings: [VaultFixture.randomDescriptor()], expiresAt: 2e9)
        }
        let before = FileBytes.read(fixture.databasePath)
        let beforeWAL = FileBytes.fingerprint(fixture.databasePath + "-wal")
        let other = try VaultFixture()
        let error = #expect(throws: VaultError.self) {
            try VaultStore.open(
                path: fixture.databasePath, keys: other.keyRing(), companion: TablelessCompanion(), backupRetentionSeconds: 86_400,
                logger: Logger(label: "test"))
        }
        #expect(error?.code == .wrongKey)
        #expect(error?.message.contains(fixture.databasePath) == true)
        #expect(FileBytes.firstDifference(FileBytes.read(fixture.databasePath), before) == nil)
        #expect(FileBytes.fingerprint(fixture.databasePath + "-wal") == beforeWAL)
        #expect(try fixture.open().gallery.templateCount == 1)
    }

    @Test("a truncated database is refused as damaged, and nothing else changes")
    func truncatedDatabase() throws {
        let fixture = try VaultFixture()
        do {
            let store = try fixture.open()
            for _ in 0..<200 {
                _ = try store.enrol(profile: .init(displayName: "x"), embeddings: [VaultFixture.randomDescriptor()], expiresAt: 2e9)
            }
        }
        let bytes = FileBytes.read(fixture.databasePath)
        let truncated = Array(bytes.prefix(bytes.count / 3))
        try Data(truncated).write(to: URL(fileURLWithPath: fixture.databasePath))
        let journalBefore = FileBytes.read(fixture.journalPath)
        let error = #expect(throws: VaultError.self) { try fixture.open() }
        #expect(error?.code == .corruptDatabase)
        #expect(error?.message.contains(fixture.databasePath) == true)
        #expect(FileBytes.firstDifference(FileBytes.read(fixture.databasePath), truncated) == nil)
        #expect(FileBytes.read(fixture.journalPath) == journalBefore)
    }

    @Test("a text file given as the database is refused")
    func notADatabase() throws {
        let fixture = try VaultFixture()
        try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: fixture.databasePath))
        let error = #expect(throws: VaultError.self) { try fixture.open() }
        #expect(error?.code == .corruptDatabase)
    }

    @Test("a flipped byte in a template is an integrity error naming the subject; the rest is intact")
    func flippedByte() throws {
        let fixture = try VaultFixture()
        let victim: SubjectID, survivor: SubjectID
        let survivorProbe = VaultFixture.randomDescriptor()
        do {
            let store = try fixture.open()
            victim = try store.enrol(profile: .init(displayName: "V"), embeddings: [VaultFixture.randomDescriptor()], expiresAt: 2e9).id
            survivor = try store.enrol(profile: .init(displayName: "S"), embeddings: [survivorProbe], expiresAt: 2e9).id
            try store.database.write { db in
                var sealed = try [UInt8](
                    Data.fetchOne(db, sql: "SELECT sealed FROM template WHERE subject_id = ?", arguments: [victim.rawValue])!)
                sealed[sealed.count / 2] ^= 0x40
                try db.execute(sql: "UPDATE template SET sealed = ? WHERE subject_id = ?", arguments: [Data(sealed), victim.rawValue])
            }
        }
        let before = FileBytes.read(fixture.databasePath)
        let error = #expect(throws: VaultError.self) { try fixture.open() }
        #expect(error?.code == .integrityFailure)
        #expect(FileBytes.firstDifference(FileBytes.read(fixture.databasePath), before) == nil)
        #expect(error?.affectedSubjects == [victim.rawValue])
        #expect(error?.message.contains(victim.rawValue) == true)
        #expect(error?.message.contains(survivor.rawValue) == false)
        // The damaged subject can be erased without loading the gallery; then everything else loads.
        let repair = try fixture.open(loadGallery: false)
        try repair.forget(VaultFixture.erasure(victim))
        let store = try fixture.open()
        #expect(store.gallery.search(survivorProbe).first?.subject == survivor)
    }

    @Test("a template ciphertext moved to another subject's row fails to decrypt")
    func movedCiphertext() throws {
        let fixture = try VaultFixture()
        let a: SubjectID, b: SubjectID
        do {
            let store = try fixture.open()
            a = try store.enrol(profile: .init(displayName: "A"), embeddings: [VaultFixture.randomDescriptor()], expiresAt: 2e9).id
            b = try store.enrol(profile: .init(displayName: "B"), embeddings: [VaultFixture.randomDescriptor()], expiresAt: 2e9).id
            try store.database.write { db in
                let sealed = try Data.fetchOne(db, sql: "SELECT sealed FROM template WHERE subject_id = ?", arguments: [a.rawValue])!
                try db.execute(sql: "UPDATE template SET sealed = ? WHERE subject_id = ?", arguments: [sealed, b.rawValue])
            }
        }
        let error = #expect(throws: VaultError.self) { try fixture.open() }
        #expect(error?.code == .integrityFailure)
        #expect(error?.affectedSubjects == [b.rawValue])
    }

    @Test("a wrapped key moved to another subject fails too")
    func movedWrappedKey() throws {
        let fixture = try VaultFixture()
        let store = try fixture.open()
        let a = try store.enrol(profile: .init(displayName: "A"), embeddings: [VaultFixture.randomDescriptor()], expiresAt: 2e9).id
        let b = try store.enrol(profile: .init(displayName: "B"), embeddings: [VaultFixture.randomDescriptor()], expiresAt: 2e9).id
        try store.database.write { db in
            let wrapped = try Data.fetchOne(db, sql: "SELECT wrapped_key FROM subject WHERE id = ?", arguments: [a.rawValue])!
            try db.execute(sql: "UPDATE subject SET wrapped_key = ? WHERE id = ?", arguments: [wrapped, b.rawValue])
        }
        #expect(throws: VaultError.self) { try store.profile(of: b) }
        #expect(try store.profile(of: a).displayName == "A")
    }

    @Test("after erasure no byte of the subject's ciphertexts, wrapped key or embedding remains in the db, -wal or -shm")
    func residue() throws {
        let fixture = try VaultFixture()
        let store = try fixture.open()
        let victimEmbeddings = [VaultFixture.randomDescriptor(), VaultFixture.randomDescriptor()]
        let keeperProbe = VaultFixture.randomDescriptor()
        let victim = try store.enrol(profile: .init(displayName: "Victim Name"), embeddings: victimEmbeddings, expiresAt: 2e9).id
        let keeper = try store.enrol(profile: .init(displayName: "Keeper"), embeddings: [keeperProbe], expiresAt: 2e9).id
        for _ in 0..<50 {
            _ = try store.enrol(profile: .init(displayName: "filler"), embeddings: [VaultFixture.randomDescriptor()], expiresAt: 2e9)
        }
        let secrets: [[UInt8]] = try store.database.read { db in
            var found = try Data.fetchAll(db, sql: "SELECT sealed FROM template WHERE subject_id = ?", arguments: [victim.rawValue]).map {
                [UInt8]($0)
            }
            found += try Data.fetchAll(db, sql: "SELECT wrapped_key FROM subject WHERE id = ?", arguments: [victim.rawValue]).map {
                [UInt8]($0)
            }
            found += try Data.fetchAll(db, sql: "SELECT personal FROM subject WHERE id = ?", arguments: [victim.rawValue]).map {
                [UInt8]($0)
            }
            return found
        }
        #expect(secrets.count == 4)
        let plaintexts = victimEmbeddings.map { descriptor in descriptor.withUnsafeValues { [UInt8](UnsafeRawBufferPointer($0)) } }
        // Before erasure the ciphertexts are on disk (so the scan can find them at all).
        let files = [fixture.databasePath, fixture.databasePath + "-wal", fixture.databasePath + "-shm"]
        let beforeBytes = files.map(FileBytes.read).reduce([], +)
        #expect(secrets.contains { FileBytes.contains(beforeBytes, Array($0.suffix(32))) })

        try store.forget(VaultFixture.erasure(victim))

        for file in files {
            let bytes = FileBytes.read(file)
            for secret in secrets {
                // Any 24-byte window of a ciphertext would be a residue.
                for start in stride(from: 0, to: secret.count - 24, by: 24) {
                    #expect(!FileBytes.contains(bytes, Array(secret[start..<(start + 24)])), "residue of a ciphertext in \(file)")
                }
            }
            for plain in plaintexts {
                #expect(!FileBytes.contains(bytes, Array(plain.prefix(32))), "plaintext embedding bytes in \(file)")
            }
        }
        #expect(FileBytes.read(fixture.databasePath + "-wal").isEmpty)
        #expect(store.gallery.search(keeperProbe).first?.subject == keeper)
        #expect(!store.gallery.contains(victim))
        #expect(try !store.exists(victim))
    }

    @Test("restoring an old backup keeps the subjects erased since erased")
    func restoreReplaysErasures() throws {
        let fixture = try VaultFixture()
        let backupPath = fixture.directory.file("backup.sqlite")
        let erased: SubjectID, kept: SubjectID, later: SubjectID
        do {
            let store = try fixture.open()
            erased = try store.enrol(profile: .init(displayName: "E"), embeddings: [VaultFixture.randomDescriptor()], expiresAt: 2e9).id
            kept = try store.enrol(profile: .init(displayName: "K"), embeddings: [VaultFixture.randomDescriptor()], expiresAt: 2e9).id
            try VaultStore.backup(database: fixture.databasePath, to: backupPath)
            #expect(throws: VaultError.self) { try VaultStore.backup(database: fixture.databasePath, to: backupPath) }
            try store.forget(VaultFixture.erasure(erased))
            later = try store.enrol(profile: .init(displayName: "L"), embeddings: [VaultFixture.randomDescriptor()], expiresAt: 2e9).id
        }
        _ = try VaultStore.inspectBackup(at: backupPath, keys: fixture.keyRing(), now: fixture.clock.now())
        try VaultStore.replaceDatabase(at: fixture.databasePath, with: backupPath)
        let restored = try fixture.open()
        let ids = try restored.subjects().map(\.id)
        #expect(!ids.contains(erased))
        #expect(ids.contains(kept))
        #expect(!ids.contains(later), "the backup predates this subject")
        #expect(!restored.gallery.contains(erased))
        // The erased subject's wrapped key is gone from the restored files too.
        #expect(FileBytes.read(fixture.databasePath + "-wal").isEmpty)
    }

    @Test("a backup made with another key is refused and the database is untouched")
    func restoreWrongKey() throws {
        let fixture = try VaultFixture()
        let other = try VaultFixture()
        do {
            let store = try other.open()
            _ = try store.enrol(profile: .init(displayName: "O"), embeddings: [VaultFixture.randomDescriptor()], expiresAt: 2e9)
            try VaultStore.backup(database: other.databasePath, to: other.directory.file("b.sqlite"))
        }
        _ = try fixture.open()
        let before = FileBytes.read(fixture.databasePath)
        let error = #expect(throws: VaultError.self) {
            try VaultStore.inspectBackup(at: other.directory.file("b.sqlite"), keys: fixture.keyRing(), now: fixture.clock.now())
        }
        #expect(error?.code == .wrongKey)
        #expect(FileBytes.firstDifference(FileBytes.read(fixture.databasePath), before) == nil)
    }

    @Test("erasing an unknown subject is a not-found error")
    func eraseUnknown() throws {
        let fixture = try VaultFixture()
        let store = try fixture.open()
        let error = #expect(throws: VaultError.self) { try store.forget(VaultFixture.erasure(SubjectID.random())) }
        #expect(error?.code == .notFound)
    }
}
