import Consent
import Edge
import FacegateCore
import FacegateTestSupport
import Foundation
import Logging
import Testing
import Vault

/// Console accounts as callers of the one dispatcher: their role decides what they
/// may run, their name is the actor the audit log and the two-person rule count.
@Suite("Console callers", .perTestLimit)
struct ConsoleCallerTests {
    static func withDispatcher(_ body: (AdminDispatcher, ConsentRegistry, SubjectID) async throws -> Void) async throws {
        let fixture = try ConsentFixture { text in
            text.replacingOccurrences(of: "enabled = false", with: "enabled = true")
                .replacingOccurrences(of: "dpia_reference = \"\"", with: "dpia_reference = \"DPIA-2026-004\"")
        }
        let registry = try fixture.open(loadGallery: true)
        defer { registry.close() }
        let subject = try registry.enrol(
            ConsentFixture.request("Mallory"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff
        ).0.id
        let operations = ApplianceOperations(registry: registry, models: TestResources.models, logger: Logger(label: "test"))
        try await body(AdminDispatcher(operations: operations), registry, subject)
    }

    static func console(_ name: String, _ role: ConsoleRole) -> Caller { .console(ConsoleAccount(name: name, role: role)) }

    @Test("the two-person rule counts distinct console accounts: the proposer and the same account twice are refused")
    func twoPersonRule() async throws {
        try await Self.withDispatcher { dispatcher, registry, subject in
            let ana = Self.console("ana", .admin), ben = Self.console("ben", .admin), cara = Self.console("cara", .admin)
            let sam = Self.console("sam", .staff)
            let recorded = try await dispatcher.dispatch(
                AdminRequest(.incidentAdd(subject, category: "harassment", note: "insulted staff")), caller: sam)
            let incident = try #require(recorded["incident"]?["incident"]?.stringValue)
            let proposed = try await dispatcher.dispatch(
                AdminRequest(.denyListPropose(subject, reason: "repeated harassment", evidence: [incident])), caller: ana)
            let entry = try #require(proposed["entry"]?.stringValue)
            await #expect(throws: (any Error).self) {
                try await dispatcher.dispatch(AdminRequest(.denyListApprove(entry: entry, reason: "agree")), caller: ana)
            }
            _ = try await dispatcher.dispatch(AdminRequest(.denyListApprove(entry: entry, reason: "saw it")), caller: ben)
            let twice = await #expect(throws: (any Error).self) {
                try await dispatcher.dispatch(AdminRequest(.denyListApprove(entry: entry, reason: "again")), caller: ben)
            }
            #expect((twice as? any UserFacingError)?.message.contains("distinct") == true)
            #expect(!registry.isDenyListed(subject))
            _ = try await dispatcher.dispatch(AdminRequest(.denyListApprove(entry: entry, reason: "confirmed")), caller: cara)
            #expect(registry.isDenyListed(subject))
            #expect(try registry.denyListEntries(of: subject).first?.approvals.map(\.approver) == ["console:ben", "console:cara"])
        }
    }

    @Test("a console role runs only its commands; a refusal is audited with the account and its role")
    func rolesDecide() async throws {
        try await Self.withDispatcher { dispatcher, registry, subject in
            let staff = Self.console("sam", .staff), dpo = Self.console("dee", .dpo)
            let refusals: [(Caller, AdminCommand)] = [
                (staff, .erase(subject)), (staff, .exportConsentLog(.jsonl)), (staff, .subjects(names: true)),
                (dpo, .identify()), (dpo, .erase(subject)), (dpo, .denyListPropose(subject, reason: "r", evidence: ["e"])),
                (Self.console("ana", .admin), .policyReload), (Self.console("ana", .admin), .backupPrepare),
            ]
            for (caller, command) in refusals {
                let refused = await #expect(throws: AdminError.self) {
                    try await dispatcher.dispatch(AdminRequest(command), caller: caller)
                }
                #expect(refused?.code == .notPermitted, "\(command.name.rawValue)")
            }
            #expect(try await dispatcher.dispatch(AdminRequest(.exportConsentLog(.jsonl)), caller: dpo)["content"] != nil)
            let names = try await dispatcher.dispatch(AdminRequest(.subjects(names: true)), caller: dpo)
            #expect(names["subjects"]?.arrayValue?.first?["name"]?.stringValue == "Mallory")
            let audit = try registry.exportAudit(format: .jsonl, actor: .system).text
            #expect(audit.contains("\"actor\":\"console:sam\"") && audit.contains("\"role\":\"staff\""))
            #expect(audit.contains("\"outcome\":\"not_permitted\""))
        }
    }
}
