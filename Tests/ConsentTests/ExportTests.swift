import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import GRDB
import Testing
import Vault

@Suite("DPO exports", .perTestLimit)
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

    @Test("a partial withdrawal is in the consent log and the audit as a withdrawal of those purposes, not as a new consent")
    func partialWithdrawalInTheLog() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let (subject, first) = try registry.enrol(
            ConsentFixture.request("A", purposes: ["entry", "attendance-analytics", "offers"]),
            embeddings: [VaultFixture.randomDescriptor()],
            by: fixture.staff)
        let given = fixture.clock.now()
        fixture.clock.advance(days: 3)
        let clerk = OSUser(uid: 1001, gid: 1000, name: "dpo-clerk")
        _ = try registry.withdraw(subject.id, purposes: ["attendance-analytics"], actor: clerk)

        let lines = try registry.exportConsentLog(format: .jsonl, actor: fixture.staff).text.split(separator: "\n").map(String.init)
        let records = try lines.map { try JSONParser.parse($0) }.filter { $0["type"]?.stringValue == "consent_record" }
        #expect(records.count == 2)
        let original = try #require(records.first { $0["record"]?.stringValue == first.id })
        let remaining = try #require(records.first { $0["record"]?.stringValue != first.id })
        #expect(original["reason"]?.stringValue == "consent")
        #expect(original["withdrawn_purposes"] == .array([]))
        #expect(original["superseded_by"] == remaining["record"])
        #expect(remaining["reason"]?.stringValue == "partial_withdrawal")
        #expect(remaining["withdrawn_purposes"] == .array(["attendance-analytics"]))
        #expect(remaining["withdrawn_purposes_at"]?.stringValue == Timestamp.iso8601(fixture.clock.now()))
        #expect(remaining["purposes"] == .array(["entry", "offers"]))
        // Consent to what remains was given at enrolment, by the operator who recorded it.
        #expect(remaining["given_at"]?.stringValue == Timestamp.iso8601(given))
        #expect(remaining["operator"] == original["operator"])
        #expect(records.last?["record"] == remaining["record"], "listed when it was recorded, after the consent it changed")
        let csv = try registry.exportConsentLog(format: .csv, actor: fixture.staff).text
        #expect(csv.contains(",partial_withdrawal,attendance-analytics,"), "\(csv)")

        let entry = try #require(
            try registry.vault.read { db in try AuditLog.entries(in: db) }.last { $0.action == "consent.withdraw" })
        #expect(entry.actor == "dpo-clerk")
        #expect(entry.details["reason"] == "partial_withdrawal")
        #expect(entry.details["purposes"] == .array(["attendance-analytics"]))
        #expect(entry.details["replaces"] == .string(first.id))
        #expect(entry.details["remaining_purposes"] == .array(["entry", "offers"]))
        #expect(entry.details["erased"] == .bool(false))
        // The record still answers for the consent in force.
        #expect(try registry.consentRecords(of: subject.id).last?.partialWithdrawal?.purposes == ["attendance-analytics"])
    }

    @Test("the record of processing fills Art. 30(1)(a)-(g) from a filled-in policy, and is not a draft")
    func recordOfProcessing() throws {
        let fixture = try ConsentFixture(edit: ConsentFixture.fillingInController)
        let registry = try fixture.open()
        #expect(fixture.policy.unfilledRecordOfProcessingFields == [])
        let json = try JSONParser.parse(registry.exportRecordOfProcessing(format: .json, actor: fixture.staff).text)
        for key in [
            "a_controller", "b_purposes", "c_categories", "d_recipients", "e_transfers", "f_erasure_time_limits", "g_security_measures",
        ] {
            let value = try #require(json[key], "missing \(key)")
            #expect(value != .null && value != .array([]) && value != .string(""), "\(key) is empty")
        }
        #expect(json["a_controller"]?["dpo_contact"]?.stringValue == "dpo@riverside-climbing.test")
        #expect(json["f_erasure_time_limits"]?["access_events"]?.stringValue?.contains("180") == true)
        // Exactly what holds for backups: `facegate backup` files, not a copy with the keys, and the hub's key epochs.
        let backups = json["f_erasure_time_limits"]?["backups"]?.stringValue ?? ""
        #expect(backups.contains("Backups made with `facegate backup`") && backups.contains("30 days after an erasure"), "\(backups)")
        #expect(
            backups.contains("does not reach a copy of the whole state directory")
                && backups.contains("the hub's copies have key epochs too")
                && backups.contains("created before version 4"))
        #expect(json["draft"] == .bool(false) && json["unfilled_fields"] == nil)
        let markdown = try registry.exportRecordOfProcessing(format: .markdown, actor: fixture.staff).text
        // A document a DPO files: section titles and labelled fields, not JSON keys.
        #expect(markdown.contains("## (g) Technical and organisational security measures"))
        #expect(markdown.contains("## (a) Controller and data-protection officer") && markdown.contains("- **Dpo contact**:"))
        #expect(!markdown.contains("g_security_measures") && !markdown.contains("a_controller"))
        for item in ["People who are not members", "Staff accounts", "Deny list data", "Automated decisions", "Breach notification"] {
            #expect(markdown.contains("**\(item)**"), "\(item)")
        }
        #expect(markdown.hasPrefix("# Record of processing"))
        #expect(!markdown.contains("DRAFT"))
    }

    @Test("with the shipped placeholders the record of processing is refused, naming every unfilled field, and nothing is exported")
    func recordOfProcessingRefusedWithPlaceholders() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let before = try registry.vault.read { db in try AuditLog.entries(in: db) }.count
        for format in [ExportDocument.Format.json, .markdown] {
            let error = try #require(throws: ConsentError.self) {
                try registry.exportRecordOfProcessing(format: format, actor: fixture.staff)
            }
            #expect(error.code == .recordOfProcessingIncomplete)
            #expect(error.exitStatus == .configuration)
            for key in ["controller.name", "controller.address", "controller.contact", "controller.dpo_contact"] {
                #expect(error.message.contains(key), "\(key) is not named: \(error.message)")
            }
            #expect(error.message.contains(fixture.policyPath) && error.message.contains("--draft"))
            #expect(!error.message.contains("Example Venue Ltd"), "the field is named, not its value")
        }
        #expect(try registry.vault.read { db in try AuditLog.entries(in: db) }.count == before, "nothing was disclosed, so no export entry")
    }

    @Test("every Art. 30 field is checked: an empty value, an empty list or a placeholder anywhere is unfilled")
    func unfilledFields() throws {
        let fixture = try ConsentFixture { text in
            ConsentFixture.fillingInController(
                text.replacingOccurrences(
                    of: "supervisory_authority = \"the national data-protection authority\"", with: "supervisory_authority = \" \"")
            )
            .replacingOccurrences(
                of: "transfers = \"None: all processing happens on the device at the entrance\"", with: "transfers = \"\""
            )
            .replacingOccurrences(
                of:
                    "recipients = [\"venue staff at the entrance (decisions only)\", \"the venue's data-protection officer (exports)\"]",
                with: "recipients = [\"venue staff\", \"the DPO, dpo@Example.com\"]")
        }
        #expect(
            fixture.policy.unfilledRecordOfProcessingFields == [
                "controller.supervisory_authority", "record_of_processing.recipients", "record_of_processing.transfers",
            ])
        #expect(Policy.isUnfilled("Example Venue Ltd") && Policy.isUnfilled("") && Policy.isUnfilled("a@EXAMPLE.ORG"))
        #expect(!Policy.isUnfilled("Riverside Climbing Club Ltd"))
    }

    @Test("with --draft the record of processing is exported, marked as a draft with the fields still to fill")
    func recordOfProcessingDraft() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let json = try JSONParser.parse(registry.exportRecordOfProcessing(format: .json, draft: true, actor: fixture.staff).text)
        #expect(json["draft"] == .bool(true))
        let unfilled = try #require(json["unfilled_fields"]?.arrayValue).compactMap(\.stringValue)
        #expect(
            unfilled == [
                "controller.name", "controller.address", "controller.contact", "controller.dpo_contact", "controller.supervisory_authority",
            ])
        #expect(json["g_security_measures"] != nil)
        let markdown = try registry.exportRecordOfProcessing(format: .markdown, draft: true, actor: fixture.staff).text
        let firstLine = try #require(markdown.split(separator: "\n").first)
        #expect(firstLine.hasPrefix("DRAFT — not a record of processing until"))
        #expect(firstLine.contains("controller.name") && firstLine.contains("controller.dpo_contact"))
        let exports = try registry.vault.read { db in try AuditLog.entries(in: db) }.filter { $0.action == "export.ropa" }
        #expect(exports.count == 2 && exports.allSatisfy { $0.details["draft"] == .bool(true) })
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

    @Test(
        "the access response as a letter to the person: who writes, to whom, each part under a plain title, no JSON keys, no template numbers"
    )
    func accessLetter() throws {
        let fixture = try ConsentFixture(edit: ConsentFixture.fillingInController)
        let registry = try fixture.open()
        let embedding = VaultFixture.randomDescriptor()
        let (subject, _) = try registry.enrol(
            ConsentFixture.request("Ada", purposes: ["entry", "attendance-analytics"]), embeddings: [embedding], by: fixture.staff)
        _ = try registry.recordVisit(of: subject.id, decision: "member", at: fixture.clock.now())
        let letter = try registry.exportSubjectAccess(subject.id, actor: fixture.staff, format: .markdown)
        #expect(letter.format == .markdown)
        let text = letter.text
        for part in [
            "# A copy of your personal data (GDPR Art. 15)", "**From**: Riverside Climbing Club Ltd", "**To**: Ada", "Dear Ada,",
            "`\(subject.id.rawValue)`", "## What we hold about you", "## Your face template", "## Why we hold it, and on what legal basis",
            "## Your consent, as we recorded it", "## Your visits", "## How long we keep it", "## Your rights",
            "## If you are not satisfied", "the Information Commissioner's Office", "Yours sincerely,",
        ] {
            #expect(text.contains(part), "\(part)")
        }
        #expect(!text.contains("personal_data") && !text.contains("## Biometric data") && !text.contains("{\""))
        #expect(text.contains("such copies must not be made"), "the letter says exactly what holds for backups")
        for value in embedding.values.prefix(16) { #expect(!text.contains("\(value)")) }
        // Both answers are audited as the same access export.
        let audited = try registry.vault.read { db in try AuditLog.entries(in: db) }.filter { $0.action == "export.subject_access" }
        #expect(audited.count == 1)
    }
}
