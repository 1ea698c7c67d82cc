import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import GRDB
import Testing
import Vault

/// Every free text a person can type that reaches the database, fed with SQL-injection
/// payloads, quoting and escaping characters, NUL, parameter markers, right-to-left
/// marks and 10 kB strings, then random strings of such characters: a display name and
/// profile fields (stored encrypted), a card number (looked up as a keyed digest), the
/// console account names, passwords and bearer tokens looked up in SQL, the actor
/// name written to the audit log. Each is stored and read back exactly, or refused
/// with a consent error; nothing crashes, and the database, its tables and the audit
/// chain are intact at the end. (It found that a NUL in an actor's name broke the
/// audit chain: SQLite returns text cut at a NUL; `AuditLog.printable`.)
@Suite("SQL inputs fuzzed", .perTestLimit)
struct SQLInputFuzzTests {
    @Test("hostile text in every field that reaches SQL is stored and read back exactly, or refused; the database stays whole")
    func hostileText() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        defer { registry.close() }
        let tables = try registry.vault.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        var generator = SplitMix64(seed: 0x5EED_F022)
        let inputs = HostileText.payloads + (0..<150).map { _ in HostileText.random(&generator) }
        var stored = 0
        var plain = 0
        var refusals: Set<String> = []
        for (index, text) in inputs.enumerated() {
            let actor = OSUser(uid: 1000, gid: 1000, name: text)
            // A display name and a profile field: encrypted, read back in the Art. 15 answer.
            var request = ConsentFixture.request(text)
            request.fields = ["membership_number": text]
            do {
                let subject = try registry.enrol(request, embeddings: [VaultFixture.randomDescriptor()], by: actor).0.id
                let profile = try registry.vault.profile(of: subject)
                #expect(profile.displayName == text && profile.fields["membership_number"] == text, "input \(index): stored exactly")
                // Read with facegate's own parser: Foundation's drops a lone U+FEFF.
                let answer = try JSONParser.parse(registry.exportSubjectAccess(subject, actor: actor).text)
                #expect(answer["personal_data"]?["display_name"]?.stringValue == text, "input \(index): exported exactly")
                #expect(answer["personal_data"]?["fields"]?["membership_number"]?.stringValue == text, "input \(index)")
                stored += 1
            } catch let error as ConsentError {
                refusals.insert(error.message)
                // Refused as shown text: the hostile text still reaches SQL as the actor.
                _ = try registry.enrol(
                    ConsentFixture.request("Ada \(index)"), embeddings: [VaultFixture.randomDescriptor()], by: actor)
                plain += 1
            }
            // A card number is looked up as a keyed digest: a hostile one finds no one.
            do {
                #expect(try registry.cards.holder(of: text) == nil, "input \(index)")
            } catch let error as ConsentError {
                refusals.insert(error.message)
            }
            // Looked up in SQL: unknown names and tokens find nothing.
            #expect(try registry.accounts.authenticate(text, password: Array(text.utf8)) == nil, "input \(index)")
            #expect(try registry.accounts.account(bearer: text) == nil, "input \(index)")
            #expect(throws: ConsentError.self, "input \(index)") { try registry.accounts.remove(text, actor: actor) }
        }
        // Names and fields with control or text-direction characters, or over their
        // length, are refused by design (`DisplayText`); the rest is stored exactly.
        #expect(stored >= inputs.count / 5, "valid text was stored: \(stored) of \(inputs.count); refused: \(refusals)")
        let expected = ["control or text-direction", "longer than", "needs a display name", "no card", "card number"]
        #expect(refusals.allSatisfy { message in expected.contains { message.contains($0) } }, "\(refusals.sorted())")
        print("SQL inputs fuzzed: \(stored) of \(inputs.count) stored; refusals: \(refusals.sorted())")
        let after = try registry.vault.read { db in
            (
                try String.fetchOne(db, sql: "PRAGMA integrity_check"),
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            )
        }
        #expect(after.0 == "ok")
        #expect(after.1 == tables, "no table added or dropped")
        let integrity = try registry.checkIntegrity(.full)
        #expect(integrity.isSound, "\(integrity.problems)")
        #expect(try registry.vault.subjects().count == stored + plain)
        // The audit chain, with every hostile actor name in it, verifies.
        let audit = try registry.exportAudit(format: .jsonl, actor: fixture.staff)
        let report = try AuditVerifier.verify(lines: audit.text.split(separator: "\n").map(String.init))
        #expect(report.failure == nil && report.entries >= stored * 2, "\(report)")
        // An actor's control characters are recorded as U+FFFD, and the entry verifies.
        #expect(audit.text.contains("a\u{FFFD}b"))
    }
}
