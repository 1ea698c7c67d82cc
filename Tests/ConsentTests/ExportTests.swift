import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import Testing
import Vault

@Suite("DPO exports")
struct ExportTests {
    @Test("the consent log has every proof field and a signature the DPO can verify offline")
    func consentLog() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let (a, _) = try registry.enrol(
            ConsentFixture.request("A", purposes: ["entry", "offers"]), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff)
        _ = try registry.enrol(ConsentFixture.request("B"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff)
        _ = try registry.withdraw(a.id, actor: fixture.staff)
        let export = try registry.exportConsentLog(format: .jsonl, actor: fixture.staff)
        let lines = export.text.split(separator: "\n").map(String.init)
        let records = try lines.map { try JSONParser.parse($0) }.filter { $0["type"]?.stringValue == "consent_record" }
        #expect(records.count == 2)
        for record in records {
            for field in [
                "subject", "notice_version", "notice_sha256", "purposes", "method", "operator", "given_at", "expires_at", "withdrawn_at",
            ] {
                #expect(record[field] != nil, "missing \(field)")
            }
        }
        #expect(records.contains { $0["withdrawn_at"]?.stringValue != nil })
        #expect(try ExportSignature.verify(lines: lines, publicKey: registry.audit.publicKey) == lines.count - 1)
        // Any change breaks the signature.
        var changed = lines
        changed[1] = changed[1].replacingOccurrences(of: "signed-form", with: "tablet")
        #expect(throws: ConsentError.self) { try ExportSignature.verify(lines: changed, publicKey: registry.audit.publicKey) }
        #expect(throws: ConsentError.self) { try ExportSignature.verify(lines: Array(lines.dropLast()), publicKey: nil) }
        let csv = try registry.exportConsentLog(format: .csv, actor: fixture.staff).text
        #expect(csv.hasPrefix(ConsentRecord.csvHeader.joined(separator: ",")))
        #expect(csv.split(separator: "\n").count == 3)
    }

    @Test("the record of processing fills Art. 30(1)(a)-(g) from the policy")
    func recordOfProcessing() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let json = try JSONParser.parse(registry.exportRecordOfProcessing(format: .json, actor: fixture.staff).text)
        for key in [
            "a_controller", "b_purposes", "c_categories", "d_recipients", "e_transfers", "f_erasure_time_limits", "g_security_measures",
        ] {
            let value = try #require(json[key], "missing \(key)")
            #expect(value != .null && value != .array([]) && value != .string(""), "\(key) is empty")
        }
        #expect(json["a_controller"]?["dpo_contact"]?.stringValue == "dpo@example.org")
        #expect(json["f_erasure_time_limits"]?["access_events"]?.stringValue?.contains("180") == true)
        let markdown = try registry.exportRecordOfProcessing(format: .markdown, actor: fixture.staff).text
        #expect(markdown.contains("g_security_measures"))
    }

    @Test("the access response is complete JSON and never contains the template's numbers")
    func subjectAccess() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let embedding = VaultFixture.randomDescriptor()
        let (subject, _) = try registry.enrol(
            ConsentFixture.request("Ada", purposes: ["entry", "attendance-analytics"]), embeddings: [embedding], by: fixture.staff)
        _ = try registry.recordVisit(of: subject.id, decision: "member", at: fixture.clock.now())
        let text = try registry.exportSubjectAccess(subject.id, actor: fixture.staff).text
        let json = try JSONParser.parse(text)
        for key in [
            "subject", "controller", "personal_data", "biometric_data", "purposes", "consent_history", "visits", "deny_list",
            "recipients", "retention", "source", "automated_decision_making", "rights", "complaint",
        ] {
            #expect(json[key] != nil, "missing \(key)")
        }
        #expect(json["personal_data"]?["display_name"]?.stringValue == "Ada")
        #expect(json["biometric_data"]?["templates"]?.intValue == 1)
        #expect(json["visits"]?["times"]?.arrayValue?.count == 1)
        // No raw vector: none of the embedding's values, and no long list of numbers.
        for value in embedding.values.prefix(16) { #expect(!text.contains("\(value)")) }
        func longestNumberArray(_ value: JSONValue) -> Int {
            switch value {
            case .array(let items):
                max(items.allSatisfy { $0.doubleValue != nil } ? items.count : 0, items.map(longestNumberArray).max() ?? 0)
            case .object(let object): object.entries.map { longestNumberArray($0.value) }.max() ?? 0
            default: 0
            }
        }
        #expect(longestNumberArray(json) < 8)
    }
}
