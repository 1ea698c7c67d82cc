import FacegateCore
import FacegateTestSupport
import Foundation
import GRDB
import Logging
import Testing
import Vault

/// A child process is killed with SIGKILL in the middle of an erasure or an
/// enrolment (at named crash points); the parent then reopens the store.
@Suite("Crash recovery", .perTestLimit)
struct CrashRecoveryTests {
    static func open(_ directory: String, companion: any VaultCompanion = TablelessCompanion()) throws -> VaultStore {
        let keys = try KeyRing.load(directory: KeyDirectory(path: directory + "/keys"), environment: [:])
        return try VaultStore.open(
            path: directory + "/facegate.sqlite", keys: keys, companion: companion, backupRetentionSeconds: 86_400,
            logger: Logger(label: "test"))
    }

    @Test(
        "killed mid-erasure, the erasure completes at the next open",
        arguments: [
            "erase.after-journal", "erase.in-transaction", "erase.before-checkpoint",
        ])
    func erasure(crashPoint: String) async throws {
        let fixture = try VaultFixture()
        let victim: SubjectID
        let keeperProbe = VaultFixture.randomDescriptor()
        let secrets: [[UInt8]]
        do {
            let store = try fixture.open()
            victim = try store.enrol(profile: .init(displayName: "V"), embeddings: [VaultFixture.randomDescriptor()], expiresAt: 2e9).id
            _ = try store.enrol(profile: .init(displayName: "K"), embeddings: [keeperProbe], expiresAt: 2e9)
            secrets = try store.read { db in
                try Data.fetchAll(
                    db, sql: "SELECT sealed FROM template WHERE subject_id = ? UNION ALL SELECT wrapped_key FROM subject WHERE id = ?",
                    arguments: [victim.rawValue, victim.rawValue]
                ).map { [UInt8]($0) }
            }
        }
        #expect(secrets.count == 2)
        let directory = fixture.directory.path
        let subject = victim.rawValue
        let point = crashPoint
        await #expect(processExitsWith: .signal(SIGKILL)) {
            [directory = directory as String, subject = subject as String, point = point as String] in
            setenv("FACEGATE_CRASH_AT", point, 1)
            let store = try Self.open(directory)
            try store.forget(VaultFixture.erasure(SubjectID(subject)!))
        }
        let companion = TablelessCompanion()
        let store = try Self.open(directory, companion: companion)
        #expect(try !store.exists(victim))
        // The companion (the consent side) finished it too, told it was a replay;
        // killed after the commit, there was nothing left to finish.
        let replays = companion.erased.filter { $0.0.subject == victim && $0.1 }
        #expect(replays.count == (crashPoint == "erase.before-checkpoint" ? 0 : 1))
        #expect(!store.gallery.contains(victim))
        #expect(store.gallery.search(keeperProbe).first?.distance == 0)
        for file in [fixture.databasePath, fixture.databasePath + "-wal"] {
            let bytes = FileBytes.read(file)
            for secret in secrets { #expect(!FileBytes.contains(bytes, Array(secret.suffix(24)))) }
        }
    }

    @Test("killed mid-enrolment, the subject is absent (never half there)")
    func enrolment() async throws {
        let fixture = try VaultFixture()
        do { _ = try fixture.open() }
        let directory = fixture.directory.path
        await #expect(processExitsWith: .signal(SIGKILL)) { [directory = directory as String] in
            setenv("FACEGATE_CRASH_AT", "enrol.in-transaction", 1)
            let store = try Self.open(directory)
            _ = try store.enrol(
                profile: .init(displayName: "Half"),
                embeddings: [VaultFixture.randomDescriptor(), VaultFixture.randomDescriptor()], expiresAt: 2e9)
        }
        let store = try Self.open(directory)
        #expect(try store.subjects().isEmpty)
        let templates = try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM template") }
        #expect(templates == 0)
        // And a complete enrolment still works afterwards.
        _ = try store.enrol(profile: .init(displayName: "Whole"), embeddings: [VaultFixture.randomDescriptor()], expiresAt: 2e9)
        #expect(try Self.open(directory).gallery.templateCount == 1)
    }

    @Test("an enrolment killed right after commit is whole")
    func enrolmentCommitted() async throws {
        let fixture = try VaultFixture()
        do { _ = try fixture.open() }
        let directory = fixture.directory.path
        await #expect(processExitsWith: .signal(SIGKILL)) { [directory = directory as String] in
            let store = try Self.open(directory)
            _ = try store.enrol(
                profile: .init(displayName: "Whole"),
                embeddings: [VaultFixture.randomDescriptor(), VaultFixture.randomDescriptor()], expiresAt: 2e9)
            kill(getpid(), SIGKILL)
        }
        let store = try Self.open(directory)
        #expect(try store.subjects().map(\.templateCount) == [2])
    }
}
