import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import GRDB
import Testing
import Vault

/// What an attacker or a careless operator does to the recovery kit and the command
/// line, with the real binary: a flipped byte in the erasure journal copied to a
/// replacement device, a FIFO named as a photo, a consent record with a damaged date.
@Suite("Recovery kit and command line", .perTestLimit)
struct RecoveryKitEndToEndTests {
    static let facegate = FacegateProcess()

    static func run(_ fixture: ConsentFixture, _ arguments: [String], stdin: String? = nil) throws -> FacegateProcess.Result {
        try facegate.run(arguments + ["--policy", fixture.policyPath], stdin: stdin.map { Data($0.utf8) })
    }

    @Test(
        "one flipped byte in the erasure journal copied to a replacement device stops restore (65) with a breach event; accepting the damage erases the person again"
    )
    func flippedJournalByte() throws {
        let fixture = try ConsentFixture()
        var registry = try fixture.open()
        let ann = try registry.enrol(ConsentFixture.request("Ann"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0.id
        _ = try registry.enrol(ConsentFixture.request("Bob"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff)
        let backup = fixture.directory.file("before.sqlite")
        try VaultStore.backup(database: fixture.location.database, to: backup)
        try registry.erase(ann, reason: .request, actor: fixture.staff)
        registry.close()

        // The replacement device: the key directory (the recovery kit) copied with one
        // byte of Ann's pseudonym flipped in transit; no database, no audit file.
        let journal = try String(contentsOfFile: fixture.erasureJournalPath, encoding: .utf8)
        var id = Array(ann.rawValue)
        id[7] = id[7] == "a" ? "b" : "a"
        try journal.replacingOccurrences(of: ann.rawValue, with: String(id)).write(
            toFile: fixture.erasureJournalPath, atomically: false, encoding: .utf8)
        for suffix in ["", "-wal", "-shm"] { unlink(fixture.location.database + suffix) }
        unlink(fixture.location.auditFile)

        let restored = try Self.run(fixture, ["restore", backup])
        #expect(restored.status == 65, "\(restored.stdout) \(restored.stderr)")
        #expect(restored.stderr.contains("erasure journal") && restored.stderr.contains("accept-damaged-journal"), "\(restored.stderr)")
        let last = try DatabaseQueue(path: fixture.location.database).read { db in
            try Row.fetchOne(db, sql: "SELECT action, details FROM audit_entry ORDER BY seq DESC LIMIT 1")
        }
        #expect(last?["action"] as String? == "breach.detected")
        #expect((last?["details"] as String?)?.contains("erasure_journal") == true)
        let refused = try Self.run(fixture, ["subjects"])
        #expect(refused.status == 65, "nothing serves the restored database while the journal is damaged: \(refused.stdout)")

        let accepted = try Self.run(fixture, ["keys", "accept-damaged-journal", "--json"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        let answer = try #require(accepted.jsonLines.first)
        #expect(answer["erased"] as? [String] == [ann.rawValue] && answer["damaged_lines"] as? [Int] == [1])
        let subjects = try Self.run(fixture, ["subjects", "--json"])
        let listed = (subjects.jsonLines.first?["subjects"] as? [[String: Any]])?.compactMap { $0["subject"] as? String } ?? []
        #expect(subjects.status == 0 && listed.count == 1 && !listed.contains(ann.rawValue), "\(subjects.stdout)")
        let audit = try Self.run(fixture, ["audit", "check", "--json"])
        #expect(audit.status == 0, "\(audit.stdout)")
    }

    @Test("a FIFO named as a photo is refused at once, before the state directory's lock: the daemon can still start")
    func fifoNamedAsPhoto() throws {
        let fixture = try ConsentFixture()
        let fifo = fixture.directory.file("photo.jpg")
        #expect(mkfifo(fifo, 0o600) == 0)
        let started = Date()
        let identify = try Self.run(fixture, ["identify", fifo])
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(identify.status != 0 && identify.stderr.contains("not a regular file"), "\(identify.stderr)")
        let enrol = try Self.run(
            fixture, ["enrol", "--name", "Ada", "--notice", "2026-01", "--purpose", "entry", "--method", "signed-form", fifo])
        #expect(enrol.status != 0 && enrol.stderr.contains("not a regular file"), "\(enrol.stderr)")
        let daemon = try DaemonProcess(arguments: ["--source", "none", "--policy", fixture.policyPath], socketPath: fixture.socketPath)
        #expect(daemon.stop() == 0, "\(daemon.errorText.prefix(3000))")
    }

    @Test("a consent record whose expiry is not a number is reported by name, never a crash; audit check records it as a breach")
    func damagedConsentDate() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let ann = try registry.enrol(ConsentFixture.request("Ann"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0.id
        try registry.vault.write { db in
            try db.execute(sql: "UPDATE consent_record SET expires_at = 'next tuesday' WHERE subject_id = ?", arguments: [ann.rawValue])
        }
        registry.close()
        for arguments in [["export", "consent-log"], ["export", "subject", ann.rawValue]] {
            let result = try Self.run(fixture, arguments)
            #expect(result.status == 65, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("damaged") && result.stderr.contains("audit check"), "\(result.stderr)")
            #expect(!result.stderr.contains("next tuesday") && !result.stderr.contains("Ann"), "no row printed: \(result.stderr)")
        }
        let check = try Self.run(fixture, ["audit", "check", "--json"])
        #expect(check.status != 0, "\(check.stdout)")
        let problems = (check.jsonLines.first?["problems"] as? [[String: Any]]) ?? []
        #expect(problems.contains { $0["check"] as? String == "consent_record" && ($0["subjects"] as? [String]) == [ann.rawValue] })
        // The door is not stopped by it: the record gives no consent in force.
        let status = try Self.run(fixture, ["subjects", "--json"])
        #expect(status.status == 0, "\(status.stderr)")
    }
}
