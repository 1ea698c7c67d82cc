import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import GRDB
import Testing
import Vault

@Suite("Audit log verification", .perTestLimit)
struct AuditLogTests {
    /// A registry with a few audited actions and its audit export lines.
    func exported() throws -> (ConsentFixture, [String], [UInt8]) {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        var subjects: [SubjectID] = []
        for name in ["A", "B", "C", "D"] {
            subjects.append(
                try registry.enrol(ConsentFixture.request(name), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0.id)
        }
        try registry.erase(subjects[1], reason: .request, actor: fixture.staff)
        _ = try registry.withdraw(subjects[2], actor: fixture.staff)
        let text = try registry.exportAudit(format: .jsonl, actor: fixture.staff).text
        return (fixture, text.split(separator: "\n").map(String.init), registry.audit.publicKey)
    }

    func entryLine(_ lines: [String], seq: Int) -> Int {
        lines.firstIndex { $0.contains("\"type\":\"entry\",\"seq\":\(seq),") }!
    }

    @Test("an untouched export verifies, with the device key")
    func valid() throws {
        let (_, lines, key) = try exported()
        let report = try AuditVerifier.verify(lines: lines, publicKey: key)
        #expect(report.isValid)
        #expect(report.entries == 7)
    }

    @Test("editing an entry fails at that entry")
    func edited() throws {
        let (_, original, key) = try exported()
        var lines = original
        let index = entryLine(lines, seq: 3)
        lines[index] = lines[index].replacingOccurrences(of: "\"actor\":\"desk-staff\"", with: "\"actor\":\"someone-else\"")
        let report = try AuditVerifier.verify(lines: lines, publicKey: key)
        #expect(report.failure?.seq == 3)
        #expect(report.failure?.reason.contains("altered") == true)
    }

    @Test("editing an entry and recomputing the chain is caught by the signed checkpoint")
    func rewrittenChain() throws {
        let (_, original, key) = try exported()
        // Re-hash every entry after the edit, as a forger without the signing key would.
        var lines = original
        var previous = AuditEntry.genesisHash
        for (index, line) in lines.enumerated() {
            guard var object = try JSONParser.parse(line).objectValue, object["type"]?.stringValue == "entry" else { continue }
            if object["seq"]?.intValue == 2 { object["action"] = "subject.enrol.edited" }
            object["prev_hash"] = .string(Hex.encode(previous))
            let canonical = AuditEntry.canonical(
                seq: object["seq"]!.intValue!, time: object["time"]!.stringValue!, actor: object["actor"]!.stringValue!,
                action: object["action"]!.stringValue!, subject: object["subject"]?.stringValue, details: object["details"]!.objectValue!,
                personal: object["personal"]?.stringValue.flatMap(Hex.decode))
            previous = AuditEntry.chainHash(previous: previous, canonical: canonical)
            object["hash"] = .string(Hex.encode(previous))
            lines[index] = JSONValue.object(object).serialized
        }
        let report = try AuditVerifier.verify(lines: lines, publicKey: key)
        #expect(!report.isValid)
        #expect(report.failure?.reason.contains("checkpoint") == true)
    }

    @Test("deleting an entry fails where it is missing")
    func deleted() throws {
        let (_, original, key) = try exported()
        var lines = original
        lines.remove(at: entryLine(lines, seq: 4))
        let report = try AuditVerifier.verify(lines: lines, publicKey: key)
        #expect(report.failure?.seq == 4)
        #expect(report.failure?.reason.contains("missing") == true)
    }

    @Test("reordering two entries fails at the first displaced one")
    func reordered() throws {
        let (_, original, key) = try exported()
        var lines = original
        let a = entryLine(lines, seq: 2), b = entryLine(lines, seq: 3)
        lines.swapAt(a, b)
        let report = try AuditVerifier.verify(lines: lines, publicKey: key)
        #expect(report.failure?.seq == 2)
    }

    @Test("truncating the export fails: it must end with the device's seal over its last entry")
    func truncated() throws {
        let (_, original, key) = try exported()
        let lines = Array(original.prefix(original.count - 3))
        let report = try AuditVerifier.verify(lines: lines, publicKey: key)
        #expect(!report.isValid)
        #expect(report.failure?.reason.contains("cut short") == true)
    }

    @Test("another key does not verify, and a forged signature is caught")
    func wrongKey() throws {
        let (_, lines, _) = try exported()
        let other = try ConsentFixture().open().audit.publicKey
        let report = try AuditVerifier.verify(lines: lines, publicKey: other)
        #expect(!report.isValid)
        var forged = lines
        let index = forged.lastIndex { $0.contains("\"type\":\"checkpoint\"") }!
        forged[index] = forged[index].replacingOccurrences(of: "\"signature\":\"", with: "\"signature\":\"00")
        #expect(!(try AuditVerifier.verify(lines: forged, publicKey: nil).isValid))
    }

    @Test("an entry edited in the database is caught in the next export")
    func editedInDatabase() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        for name in ["A", "B", "C"] {
            _ = try registry.enrol(ConsentFixture.request(name), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff)
        }
        try registry.vault.write { db in
            try db.execute(sql: "UPDATE audit_entry SET actor = 'nobody' WHERE seq = 2")
        }
        let text = try registry.exportAudit(format: .jsonl, actor: fixture.staff).text
        let report = try AuditVerifier.verify(lines: text.split(separator: "\n").map(String.init), publicKey: registry.audit.publicKey)
        #expect(report.failure?.seq == 2)
    }

    @Test("the canonical encoding is the sorted, compact JSON of the entry, for awkward values too")
    func canonicalEncoding() {
        let details: JSONObject = ["zeta": "a\"b\\c\n", "alpha": ["nested": [1, 2.5, .null, true], "émoji": "ok ✓"], "count": 3]
        for (subject, personal) in [(String?.none, [UInt8]?.none), ("0123456789abcdef0123456789abcdef", [0, 255, 7])] {
            let reference: JSONValue = [
                "seq": 42, "time": "2026-01-01T00:00:00.000Z", "actor": "uid:1000 \"quoted\"", "action": "subject.erase",
                "subject": .string(subject), "details": .object(details), "personal": personal.map { .string(Hex.encode($0)) } ?? .null,
            ]
            let encoded = AuditEntry.canonical(
                seq: 42, time: "2026-01-01T00:00:00.000Z", actor: "uid:1000 \"quoted\"", action: "subject.erase", subject: subject,
                details: details, personal: personal)
            #expect(String(decoding: encoded, as: UTF8.self) == reference.canonical.serialized)
        }
    }
}
