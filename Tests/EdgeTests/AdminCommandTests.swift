import Consent
import Edge
import FaceEngine
import FacegateCore
import FacegateTestSupport
import Foundation
import Testing
import Vault

/// The typed command layer: every command is defined once, travels as protocol v1 JSON
/// and comes back the same; the protocol document lists exactly the commands the
/// dispatcher runs.
@Suite("Admin commands, typed and on the wire", .perTestLimit)
struct AdminCommandTests {
    static let subject = SubjectID("0123456789abcdef0123456789abcdef")!

    /// One example of every command, with every argument it can carry.
    static let examples: [AdminCommand] = [
        .status,
        .subjects(names: true),
        .subjects(names: false),
        .enrol(
            EnrolmentRequest(
                displayName: "Ada Lovelace", fields: ["email": "ada@example.org", "member_no": "42"], noticeVersion: "2026-01",
                purposes: ["entry", "attendance-analytics"], method: "tablet")),
        .addPhotos(subject),
        .addPhotos(subject, detector: .cnn),
        .identify(),
        .identify(detector: .cnn),
        .erase(subject),
        .withdraw(subject, purposes: nil),
        .withdraw(subject, purposes: ["attendance-analytics"]),
        .purge,
        .exportConsentLog(.csv),
        .exportAudit(.jsonl),
        .exportFleetAudit,
        .exportRecordOfProcessing(.markdown, draft: false),
        .exportRecordOfProcessing(.json, draft: true),
        .exportImpactAssessment(.json),
        .exportSubject(subject),
        .exportSubject(subject, format: .markdown),
        .exportUndelivered(export: "export.audit", outcome: "refused", reason: "the output file exists"),
        .auditVerify(export: "{\"format\":\"x\"}\n", publicKey: nil),
        .auditVerify(export: "{}", publicKey: [UInt8](repeating: 0xab, count: 32)),
        .auditCheck,
        .backupPrepare,
        .backupRecord(destination: "/var/backups/facegate.sqlite", keyEpochs: [3, 4]),
        .policyReload,
        .stats(days: 7, names: true),
        .health,
        .incidentAdd(subject, category: "theft", note: "a note"),
        .incidentAdd(subject, category: "violence", note: nil),
        .denyListList(subject: nil),
        .denyListList(subject: subject),
        .denyListPropose(subject, reason: "repeated theft", evidence: ["inc1", "inc2"]),
        .denyListApprove(entry: "e1", reason: "seen the evidence"),
        .denyListReject(entry: "e1", reason: "not enough"),
        .denyListRenew(entry: "e1", reason: "still relevant"),
        .denyListLift(entry: "e1", reason: "listed by mistake"),
        .denyListEnable(dpiaReference: "DPIA-2026-004", reason: "repeated violence at the door"),
        .denyListDisable(reason: "the DPIA expired"),
        .doorConfirm(alert: "a1", decision: "deny", reason: "confirmed by staff"),
        .doorAlerts,
        .enrol(
            EnrolmentRequest(
                displayName: "Bea", noticeVersion: "2026-12", purposes: ["entry"], method: "signed-form", card: "0451 7781",
                differentFrom: [subject]),
            detector: .hog),
        .doorClaim(card: "0451 7781"),
        .doorAdmit(card: "99"),
        .cardSet(subject, card: "0451 7781"),
        .cardClear(subject),
        .cardPanel(subject),
        .consoleUserAdd(
            name: "ada.lovelace", role: .admin, person: "Ada Lovelace", password: SecretBytes(utf8: "correct horse battery staple")),
        .consoleUserRemove(name: "ada.lovelace"),
        .consoleUserList,
        .consoleUserPassword(name: "ada.lovelace", password: SecretBytes(utf8: "a brand new pass phrase")),
        .consoleUserRole(name: "ada.lovelace", role: .staff),
        .consoleTokenAdd(name: "ada.lovelace", role: nil),
        .consoleTokenAdd(name: "door-tablet", role: .staff),
        .consoleTokenRevoke(tokenID: "0123456789abcdef"),
    ]

    @Test("the examples cover every command")
    func examplesCoverEveryCommand() {
        #expect(Set(Self.examples.map(\.name)) == Set(AdminCommand.Name.allCases))
    }

    @Test("every command comes back equal after a trip through its JSON line")
    func roundTrip() throws {
        for command in Self.examples {
            let line: JSONValue = ["v": 1, "id": "7", "cmd": .string(command.name.rawValue), "args": .object(command.arguments)]
            let parsed = try JSONParser.parse(line.serialized)
            let name = try #require(AdminCommand.Name(wire: parsed["cmd"]?.stringValue ?? ""))
            let decoded = try AdminCommand(name, arguments: parsed["args"]?.objectValue ?? [:])
            #expect(decoded == command, "\(command.name.rawValue)")
        }
    }

    @Test("arguments left out take their documented defaults")
    func defaults() throws {
        #expect(try AdminCommand(.stats, arguments: [:]) == .stats(days: AdminCommand.defaultStatisticsDays, names: false))
        #expect(try AdminCommand(.exportAudit, arguments: [:]) == .exportAudit(.jsonl))
        #expect(try AdminCommand(.exportRecordOfProcessing, arguments: [:]) == .exportRecordOfProcessing(.json, draft: false))
        #expect(try AdminCommand(.subjects, arguments: [:]) == .subjects(names: false))
        #expect(try AdminCommand(.backupRecord, arguments: ["destination": "/b"]) == .backupRecord(destination: "/b", keyEpochs: []))
    }

    @Test("the protocol's first spelling, enroll, still names enrol")
    func alias() {
        #expect(AdminCommand.Name(wire: "enroll") == .enrol)
        #expect(AdminCommand.Name(wire: "enrol") == .enrol)
        #expect(AdminCommand.Name(wire: "upload") == nil)
    }

    @Test("a missing or mistyped argument is refused naming the command and the argument")
    func malformedArguments() {
        let cases: [(AdminCommand.Name, JSONObject, String)] = [
            (.erase, [:], "'subject'"),
            (.erase, ["subject": "not-a-pseudonym"], "not-a-pseudonym"),
            (.withdraw, ["subject": .string(Self.subject.rawValue), "purposes": "entry"], "'purposes'"),
            (.subjects, ["names": "yes"], "'names'"),
            (.exportRecordOfProcessing, ["draft": "yes"], "'draft'"),
            (.stats, ["days": 0], "'days'"),
            (.stats, ["days": "ten"], "'days'"),
            (.exportAudit, ["format": "xml"], "'xml'"),
            (.auditVerify, ["export": "x", "public_key": "abc"], "'public_key'"),
            (.backupRecord, ["destination": "/b", "key_epochs": ["one"]], "'key_epochs'"),
            (.enrol, ["name": "Ada", "notice": "2026-01", "purposes": ["entry"]], "'method'"),
            (.identify, ["detector": "dlib"], "'detector'"),
            (.doorConfirm, ["alert": "a", "decision": "deny"], "'reason'"),
            (.consoleUserAdd, ["name": "ada", "role": "root", "person": "Ada", "password": "correct horse battery staple"], "'root'"),
            (.consoleUserAdd, ["name": "ada", "role": "staff", "person": "Ada"], "'password'"),
            (.consoleUserAdd, ["name": "ada", "role": "staff", "password": "correct horse battery staple"], "'person'"),
            (.consoleTokenAdd, ["name": "ada", "role": "owner"], "'owner'"),
            (.consoleTokenRevoke, [:], "'token_id'"),
        ]
        for (name, arguments, mention) in cases {
            #expect {
                _ = try AdminCommand(name, arguments: arguments)
            } throws: { error in
                guard let error = error as? AdminError else { return false }
                return error.code == .invalidRequest && error.exitStatus == .usage && error.message.contains(mention)
            }
        }
    }

    @Test("the console's accounts are managed on the device only, and a command never shows its password")
    func consoleAccountCommands() throws {
        let names: [AdminCommand.Name] = [
            .consoleUserAdd, .consoleUserRemove, .consoleUserList, .consoleUserPassword, .consoleUserRole, .consoleTokenAdd,
            .consoleTokenRevoke,
        ]
        for name in names {
            #expect(name.access == .admin && name.consoleRoles.isEmpty, "\(name.rawValue)")
        }
        let command = AdminCommand.consoleUserAdd(
            name: "ada", role: .staff, person: "Ada Lovelace", password: SecretBytes(utf8: "correct horse battery staple"))
        for shown in [String(describing: command), String(reflecting: command), "\(command)"] {
            #expect(!shown.contains("correct horse"), "\(shown)")
        }
        var dumped = ""
        dump(command, to: &dumped)
        #expect(!dumped.contains("correct horse"), "\(dumped)")
        let refused = #expect(throws: AdminError.self) {
            try AdminCommand(.consoleUserAdd, arguments: ["name": "ada", "role": "root", "password": "correct horse battery staple"])
        }
        #expect(refused?.message.contains("correct horse") == false)
    }

    @Test("docs/ADMIN-PROTOCOL.md lists exactly the commands the dispatcher runs")
    func documentedTable() throws {
        let text = try String(contentsOfFile: TestResources.repositoryRoot + "/docs/ADMIN-PROTOCOL.md", encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## Commands").dropFirst().first?.components(separatedBy: "\n## ").first)
        var documented: [String] = []
        for line in section.split(separator: "\n") where line.hasPrefix("| `") {
            let cell = line.split(separator: "|")[0]
            documented += cell.split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            }
        }
        #expect(documented.count == Set(documented).count, "a command is documented twice")
        #expect(Set(documented) == Set(AdminDispatcher.commands))
        #expect(documented == AdminDispatcher.commands, "the table keeps the order of AdminCommand.Name")
    }
}
