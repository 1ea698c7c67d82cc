import FacegateCore
import FacegateTestSupport
import Foundation
import GRDB
import Testing
import Vault

#if canImport(Glibc)
    import Glibc
#endif

/// The erasure journal's line checksums: an altered, removed or unsealed line stops
/// the vault from opening with a breach report, an old journal is sealed once, and a
/// damaged one can be accepted with the subjects it names erased.
@Suite("Sealed erasure journal", .perTestLimit)
struct ErasureJournalTests {
    static func enrol(_ store: VaultStore, _ name: String) throws -> SubjectID {
        try store.enrol(profile: .init(displayName: name), embeddings: [VaultFixture.randomDescriptor()], expiresAt: 2e9).id
    }

    /// The journal's lines, and a way to write them back changed.
    static func lines(_ fixture: VaultFixture) throws -> [String] {
        try String(contentsOfFile: fixture.journalPath, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func write(_ lines: [String], _ fixture: VaultFixture) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: fixture.journalPath, atomically: false, encoding: .utf8)
    }

    /// `line` with one character of the subject id at `offset` changed.
    static func flipping(_ line: String, subject: SubjectID, offset: Int = 5) -> String {
        let id = Array(subject.rawValue)
        var changed = id
        changed[offset] = id[offset] == "0" ? "1" : "0"
        return line.replacingOccurrences(of: subject.rawValue, with: String(changed))
    }

    @Test("every line carries a checksum over the line before it; the journal reads back whole")
    func linesAreSealed() throws {
        let fixture = try VaultFixture()
        let store = try fixture.open()
        let ann = try Self.enrol(store, "Ann"), bob = try Self.enrol(store, "Bob")
        try store.forget(VaultFixture.erasure(ann))
        try store.forget(VaultFixture.erasure(bob))
        let lines = try Self.lines(fixture)
        #expect(lines.count == 2 && lines.allSatisfy { $0.contains(#","mac":""#) })
        #expect(try store.erasedSubjects() == [ann, bob])
        try store.close()
        // Swapping two sound lines breaks the chain as surely as altering one.
        try Self.write(lines.reversed(), fixture)
        let companion = TablelessCompanion()
        let refused = #expect(throws: VaultError.self) { try fixture.open(companion: companion) }
        #expect(refused?.code == .journalDamaged && refused?.exitStatus == .dataError)
        #expect(refused?.message.contains("line 1") == true && refused?.message.contains("accept-damaged-journal") == true)
        #expect(companion.journalDamage.map(\.0) == [1], "the companion was told, to record a breach event")
    }

    @Test("one flipped byte in a pseudonym stops the open; accepting the damage erases the subject it still nearly names")
    func flippedByteIsCaughtAndAccepted() throws {
        let fixture = try VaultFixture()
        var store = try fixture.open()
        let ann = try Self.enrol(store, "Ann")
        let backup = fixture.directory.file("before.sqlite")
        try VaultStore.backup(database: fixture.databasePath, to: backup)
        try store.forget(VaultFixture.erasure(ann))
        let carl = try Self.enrol(store, "Carl")
        try store.forget(VaultFixture.erasure(carl))
        try store.close()
        var lines = try Self.lines(fixture)
        lines[0] = Self.flipping(lines[0], subject: ann)
        try Self.write(lines, fixture)
        // Ann's backup is put back: without the checksum her erasure would simply not
        // be re-applied (the flipped id names nobody).
        try VaultStore.replaceDatabase(at: fixture.databasePath, with: backup)
        let refused = #expect(throws: VaultError.self) { try fixture.open() }
        #expect(refused?.code == .journalDamaged && refused?.message.contains("line 1") == true)
        #expect(throws: VaultError.self) { try VaultStore.checkJournal(keys: try fixture.keyRing()) }

        let accepted = try VaultStore.acceptJournalDamage(keys: try fixture.keyRing(), at: fixture.clock.now())
        #expect(accepted.lines == [1] && FileManager.default.fileExists(atPath: accepted.keptIn))
        #expect(try String(contentsOfFile: accepted.keptIn, encoding: .utf8).hasPrefix("line 1: "))
        store = try fixture.open()
        #expect(try store.exists(ann), "the damaged line names nobody exactly")
        #expect(try store.subjects(nearlyNamedIn: accepted.text) == [ann], "but Ann's id with one character changed")
        #expect(try !store.exists(carl), "the sound line after the damaged one still applies")
        try VaultStore.checkJournal(keys: try fixture.keyRing())
    }

    @Test("a journal of the first releases is sealed at the first open; stripped of its checksums afterwards, it is damage")
    func legacyJournalIsSealedOnce() throws {
        let fixture = try VaultFixture()
        var store = try fixture.open()
        let ann = try Self.enrol(store, "Ann")
        // A database of the releases before the checksum: it never saw a sealed journal.
        try store.write { db in try db.execute(sql: "DELETE FROM vault_meta WHERE key = 'journal_sealed'") }
        try store.close()
        // What those releases wrote.
        let legacy = #"{"subject":"\#(ann.rawValue)","at":"2026-01-01T00:00:00.000Z","reason":"request","actor":"root"}"#
        try Self.write([legacy], fixture)
        store = try fixture.open()
        #expect(try !store.exists(ann), "the old line was read, and applied")
        let sealed = try Self.lines(fixture)
        #expect(sealed.count == 1 && sealed[0].contains(#","mac":""#))
        let bob = try Self.enrol(store, "Bob")
        try store.close()
        try Self.write(
            [legacy, #"{"subject":"\#(bob.rawValue)","at":"2026-01-01T00:00:00.000Z","reason":"request","actor":"root"}"#], fixture)
        let refused = #expect(throws: VaultError.self) { try fixture.open() }
        #expect(refused?.code == .journalDamaged && refused?.message.contains("lost its checksums") == true)
    }

    @Test(
        "a journal cut short at its end, emptied or removed does not match its head: damage, at the open and before a restore",
        arguments: ["last line removed", "last newline removed", "emptied", "removed", "head removed"])
    func cutAtTheEnd(how: String) throws {
        let fixture = try VaultFixture()
        let store = try fixture.open()
        let subjects = try (0..<2).map { try Self.enrol(store, "S\($0)") }
        for subject in subjects { try store.forget(VaultFixture.erasure(subject)) }
        try store.close()
        let text = try String(contentsOfFile: fixture.journalPath, encoding: .utf8)
        switch how {
        case "last line removed": try Self.write(Array(try Self.lines(fixture).dropLast()), fixture)
        case "last newline removed": try String(text.dropLast()).write(toFile: fixture.journalPath, atomically: false, encoding: .utf8)
        case "emptied": try "".write(toFile: fixture.journalPath, atomically: false, encoding: .utf8)
        case "removed": unlink(fixture.journalPath)
        default: unlink(fixture.journalPath + ".head")
        }
        let refused = #expect(throws: VaultError.self, "\(how)") { try fixture.open() }
        #expect(refused?.code == .journalDamaged && refused?.message.contains("at its end") == true, "\(refused?.message ?? "")")
        #expect(throws: VaultError.self, "restore's check, \(how)") { try VaultStore.checkJournal(keys: try fixture.keyRing()) }
        // Accepting it records its head anew; what was cut stays cut (the DPO's audit export has it).
        let accepted = try VaultStore.acceptJournalDamage(keys: try fixture.keyRing(), at: fixture.clock.now())
        #expect(accepted.shortfall != nil)
        try fixture.open().close()
    }

    @Test("a line removed from the middle breaks the chain; a last line cut short by a crash is not damage")
    func removedAndTornLines() throws {
        let fixture = try VaultFixture()
        let store = try fixture.open()
        let subjects = try (0..<3).map { try Self.enrol(store, "S\($0)") }
        for subject in subjects { try store.forget(VaultFixture.erasure(subject)) }
        try store.close()
        let lines = try Self.lines(fixture)
        try (lines.joined(separator: "\n") + "\n" + String(lines[0].prefix(40))).write(
            toFile: fixture.journalPath, atomically: false, encoding: .utf8)
        try fixture.open().close()
        try Self.write([lines[0], lines[2]], fixture)
        let refused = #expect(throws: VaultError.self) { try fixture.open() }
        #expect(refused?.code == .journalDamaged && refused?.message.contains("line 2") == true)
    }
}
