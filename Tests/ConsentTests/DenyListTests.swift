import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import GRDB
import Testing
import Vault

@Suite("Deny-list governance", .perTestLimit)
struct DenyListTests {
    static func enabled(_ text: String) -> String {
        text.replacingOccurrences(of: "enabled = false", with: "enabled = true")
            .replacingOccurrences(of: "dpia_reference = \"\"", with: "dpia_reference = \"DPIA-2026-004\"")
    }

    let alice = OSUser(uid: 2001, gid: 2001, name: "alice")
    let bob = OSUser(uid: 2002, gid: 2002, name: "bob")
    let carol = OSUser(uid: 2003, gid: 2003, name: "carol")
    let dave = OSUser(uid: 2004, gid: 2004, name: "dave")

    func setUp(_ edit: @escaping (String) -> String = DenyListTests.enabled) throws -> (ConsentFixture, ConsentRegistry, SubjectID) {
        let fixture = try ConsentFixture(edit: edit)
        let registry = try fixture.open()
        let subject = try registry.enrol(
            ConsentFixture.request("Mallory"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff
        ).0.id
        return (fixture, registry, subject)
    }

    @Test("off by default: every deny-list operation says so")
    func offByDefault() throws {
        let (_, registry, subject) = try setUp { $0 }
        let error = #expect(throws: ConsentError.self) { try registry.addIncident(subject, category: "violence", note: nil, actor: alice) }
        #expect(error?.code == .denyListRefused)
        #expect(error?.message.contains("disabled") == true)
        #expect(throws: ConsentError.self) { try registry.proposeDenyListEntry(subject, reason: "r", evidence: ["x"], actor: alice) }
        #expect(throws: ConsentError.self) { try registry.approveDenyListEntry("x", reason: "r", actor: alice) }
        #expect(!registry.isDenyListed(subject))
    }

    @Test(
        "two distinct admins enable it by command under a DPIA reference, each step audited with it; one admin disables it")
    func enabledByAdmins() throws {
        let (fixture, registry, subject) = try setUp { $0 }
        #expect(throws: ConsentError.self) { try registry.denyList.enable(dpiaReference: "  ", reason: "fights", actor: alice) }
        #expect(throws: ConsentError.self) { try registry.denyList.enable(dpiaReference: "DPIA-7", reason: " ", actor: alice) }
        let proposed = try registry.denyList.enable(dpiaReference: " DPIA-7 ", reason: "fights at the door", actor: alice)
        #expect(!proposed.isActive && !registry.denyList.isEnabled, "one admin is not enough")
        #expect(throws: ConsentError.self) { try registry.addIncident(subject, category: "violence", note: nil, actor: alice) }
        let twice = #expect(throws: ConsentError.self) {
            try registry.denyList.enable(dpiaReference: "DPIA-7", reason: "again", actor: alice)
        }
        #expect(twice?.message.contains("another admin") == true)
        #expect(throws: ConsentError.self) { try registry.denyList.enable(dpiaReference: "DPIA-8", reason: "other", actor: bob) }
        let enabled = try registry.denyList.enable(dpiaReference: "DPIA-7", reason: "agreed", actor: bob)
        #expect(enabled.isActive && registry.denyList.isEnabled && registry.denyList.dpiaReference == "DPIA-7")
        _ = try registry.addIncident(subject, category: "violence", note: nil, actor: alice)
        let steps = try registry.vault.read { db in try AuditLog.entries(in: db) }.filter { $0.action == "denylist.enable" }
        #expect(steps.map(\.actor) == ["alice", "bob"])
        #expect(steps.allSatisfy { $0.details["dpia_reference"] == .string("DPIA-7") })
        #expect(steps.last?.details["step"] == .string("enabled"))
        let ropa = try JSONParser.parse(registry.exportRecordOfProcessing(format: .json, draft: true, actor: fixture.staff).text)
        #expect(ropa["deny_list"]?["enabled"] == .bool(true) && ropa["deny_list"]?["dpia_reference"] == .string("DPIA-7"))
        // It stays enabled across a restart, until one admin disables it.
        registry.close()
        let reopened = try fixture.open()
        #expect(reopened.denyList.isEnabled)
        _ = try reopened.denyList.disable(reason: "the DPIA is under review", actor: carol)
        #expect(!reopened.denyList.isEnabled)
        #expect(throws: ConsentError.self) { try reopened.addIncident(subject, category: "violence", note: nil, actor: alice) }
        #expect(throws: ConsentError.self) { try reopened.denyList.disable(reason: "again", actor: carol) }
    }

    @Test("enabled without a DPIA reference is refused")
    func needsDPIA() throws {
        let (_, registry, subject) = try setUp { $0.replacingOccurrences(of: "enabled = false", with: "enabled = true") }
        let error = #expect(throws: ConsentError.self) { try registry.addIncident(subject, category: "violence", note: nil, actor: alice) }
        #expect(error?.message.contains("dpia_reference") == true)
    }

    @Test("only enrolled subjects with consent in force can be listed")
    func onlyEnrolled() throws {
        let (_, registry, _) = try setUp()
        let error = #expect(throws: ConsentError.self) {
            try registry.addIncident(SubjectID.random(), category: "violence", note: nil, actor: alice)
        }
        #expect(error?.message.contains("enrolled") == true)
    }

    @Test("the policy rule proposes an entry after 2 incidents of a category within 180 days, not before")
    func ruleProposes() throws {
        let (fixture, registry, subject) = try setUp()
        let (_, none) = try registry.addIncident(subject, category: "violence", note: "pushed a guard", actor: alice)
        #expect(none == nil)
        _ = try registry.addIncident(subject, category: "theft", note: nil, actor: alice)
        fixture.clock.advance(days: 200)
        let (_, stillNone) = try registry.addIncident(subject, category: "violence", note: nil, actor: alice)
        #expect(stillNone == nil, "the first incident is outside the 180-day window")
        fixture.clock.advance(days: 10)
        let (_, proposed) = try registry.addIncident(subject, category: "violence", note: nil, actor: bob)
        let entry = try #require(proposed)
        #expect(entry.state == .proposed)
        #expect(entry.proposedBy == "rule:violence")
        #expect(entry.evidence.count == 2)
        #expect(!registry.isDenyListed(subject), "a proposal has no effect at the door")
    }

    @Test("two distinct admins, neither the proposer, must approve; the same admin twice is refused")
    func twoPersonRule() throws {
        let (_, registry, subject) = try setUp()
        let (incident, _) = try registry.addIncident(subject, category: "harassment", note: "insulted staff", actor: alice)
        let entry = try registry.proposeDenyListEntry(subject, reason: "repeated harassment", evidence: [incident.id], actor: alice)
        let own = #expect(throws: ConsentError.self) { try registry.approveDenyListEntry(entry.id, reason: "agree", actor: alice) }
        #expect(own?.message.contains("cannot approve") == true)
        let first = try registry.approveDenyListEntry(entry.id, reason: "saw it", actor: bob)
        #expect(first.state == .proposed)
        let twice = #expect(throws: ConsentError.self) { try registry.approveDenyListEntry(entry.id, reason: "again", actor: bob) }
        #expect(twice?.message.contains("distinct") == true)
        #expect(!registry.isDenyListed(subject))
        let active = try registry.approveDenyListEntry(entry.id, reason: "confirmed on video", actor: carol)
        #expect(active.state == .active)
        #expect(active.reviewAt != nil)
        #expect(registry.isDenyListed(subject))
        #expect(try registry.denyListEntries(of: subject).first?.approvals.map(\.approver) == ["bob", "carol"])
    }

    @Test("whoever recorded the evidence cannot approve the entry built on it, even when a policy rule proposed it")
    func evidenceRecordersDoNotApprove() throws {
        let (_, registry, subject) = try setUp()
        _ = try registry.addIncident(subject, category: "violence", note: "pushed a guard", actor: alice)
        let (_, proposed) = try registry.addIncident(subject, category: "violence", note: "again", actor: bob)
        let entry = try #require(proposed, "the policy's rule proposed an entry")
        for recorder in [alice, bob] {
            let refused = #expect(throws: ConsentError.self) {
                try registry.approveDenyListEntry(entry.id, reason: "I saw it", actor: recorder)
            }
            #expect(refused?.message.contains("recorded an incident") == true, "\(refused?.message ?? "")")
        }
        #expect(try registry.denyList.evidenceRecorders(of: entry) == ["alice", "bob"])
        _ = try registry.approveDenyListEntry(entry.id, reason: "video", actor: carol)
        #expect(try registry.approveDenyListEntry(entry.id, reason: "video", actor: dave).state == .active)
    }

    @Test("the policy file's own switch of the deny-list is in the audit log with its DPIA reference, once per change")
    func policySwitchIsAudited() throws {
        let (fixture, registry, _) = try setUp()
        func switches() throws -> [AuditEntry] {
            try registry.vault.read { db in try AuditLog.entries(in: db) }.filter { $0.action == "denylist.policy" }
        }
        #expect(try switches().map { $0.details["dpia_reference"] } == [.string("DPIA-2026-004")])
        #expect(try switches().first?.details["enabled"] == .bool(true))
        registry.close()
        let again = try fixture.open()
        #expect(try again.vault.read { db in try AuditLog.entries(in: db) }.filter { $0.action == "denylist.policy" }.count == 1)
        var off = fixture.policy
        off.denyList.enabled = false
        try again.reload(policy: off, actor: alice)
        let entries = try again.vault.read { db in try AuditLog.entries(in: db) }.filter { $0.action == "denylist.policy" }
        #expect(entries.count == 2 && entries.last?.details["enabled"] == .bool(false) && entries.last?.actor == "alice")
        again.close()
    }

    @Test("an entry needs a reason and evidence; a rejection by any approver closes it")
    func rejection() throws {
        let (_, registry, subject) = try setUp()
        #expect(throws: ConsentError.self) { try registry.proposeDenyListEntry(subject, reason: "", evidence: ["x"], actor: alice) }
        #expect(throws: ConsentError.self) { try registry.proposeDenyListEntry(subject, reason: "r", evidence: [], actor: alice) }
        #expect(throws: ConsentError.self) {
            try registry.proposeDenyListEntry(subject, reason: "r", evidence: ["not-an-incident"], actor: alice)
        }
        let (incident, _) = try registry.addIncident(subject, category: "theft", note: nil, actor: alice)
        let entry = try registry.proposeDenyListEntry(subject, reason: "theft", evidence: [incident.id], actor: alice)
        _ = try registry.approveDenyListEntry(entry.id, reason: "yes", actor: bob)
        let rejected = try registry.rejectDenyListEntry(entry.id, reason: "not serious enough", actor: carol)
        #expect(rejected.state == .rejected)
        #expect(throws: ConsentError.self) { try registry.approveDenyListEntry(entry.id, reason: "late", actor: carol) }
        #expect(!registry.isDenyListed(subject))
    }

    func activeEntry(_ registry: ConsentRegistry, _ subject: SubjectID) throws -> DenyListEntry {
        let (incident, _) = try registry.addIncident(subject, category: "theft", note: nil, actor: alice)
        let entry = try registry.proposeDenyListEntry(subject, reason: "theft", evidence: [incident.id], actor: alice)
        _ = try registry.approveDenyListEntry(entry.id, reason: "yes", actor: bob)
        return try registry.approveDenyListEntry(entry.id, reason: "yes", actor: carol)
    }

    @Test("an active entry lapses at its review date unless renewed by the same approval process")
    func reviewLapse() throws {
        let (fixture, registry, subject) = try setUp()
        _ = try activeEntry(registry, subject)
        fixture.clock.advance(days: 89)
        #expect(registry.isDenyListed(subject))
        fixture.clock.advance(days: 2)
        #expect(!registry.isDenyListed(subject), "past its review date it has no effect, even before the sweep")
        let report = try registry.sweep()
        #expect(report.lapsedDenyListEntries == 1)
        #expect(try registry.denyListEntries(of: subject).first?.state == .lapsed)
    }

    @Test("a renewal needs a reason and N fresh approvals, not from the renewer, and extends the review date")
    func renewal() throws {
        let (fixture, registry, subject) = try setUp()
        let entry = try activeEntry(registry, subject)
        fixture.clock.advance(days: 80)
        let blank = #expect(throws: ConsentError.self) { try registry.renewDenyListEntry(entry.id, reason: " \t", actor: bob) }
        #expect(blank?.message.contains("reason") == true)
        let renewing = try registry.renewDenyListEntry(entry.id, reason: "still a risk", actor: bob)
        #expect(renewing.renewalPending)
        #expect(throws: ConsentError.self) { try registry.approveDenyListEntry(entry.id, reason: "mine", actor: bob) }
        #expect(throws: ConsentError.self, "alice recorded the evidence") {
            try registry.approveDenyListEntry(entry.id, reason: "agree", actor: alice)
        }
        _ = try registry.approveDenyListEntry(entry.id, reason: "agree", actor: dave)
        let renewed = try registry.approveDenyListEntry(entry.id, reason: "agree", actor: carol)
        #expect(!renewed.renewalPending)
        #expect(renewed.reviewAt == fixture.clock.now() + 90 * 86_400)
        fixture.clock.advance(days: 20)
        #expect(registry.isDenyListed(subject))
    }

    @Test("an entry in force is lifted early by one person with a reason: no alert from then on, audited, closed for good")
    func lift() throws {
        let (fixture, registry, subject) = try setUp()
        let proposal = try registry.proposeDenyListEntry(
            subject, reason: "theft", evidence: [try registry.addIncident(subject, category: "theft", note: nil, actor: alice).0.id],
            actor: alice)
        let notInForce = #expect(throws: ConsentError.self) { try registry.liftDenyListEntry(proposal.id, reason: "no", actor: bob) }
        #expect(notInForce?.message.contains("rejected instead") == true, "a proposal is rejected, not lifted")
        _ = try registry.rejectDenyListEntry(proposal.id, reason: "not enough", actor: bob)
        let entry = try activeEntry(registry, subject)
        fixture.clock.advance(days: 10)
        _ = try registry.renewDenyListEntry(entry.id, reason: "still a risk", actor: bob)
        #expect(registry.isDenyListed(subject))
        #expect(throws: ConsentError.self, "a reason is required") { try registry.liftDenyListEntry(entry.id, reason: "  ", actor: carol) }
        let lifted = try registry.liftDenyListEntry(entry.id, reason: "listed by mistake: another person", actor: carol)
        #expect(lifted.state == .lifted && lifted.closedAt == fixture.clock.now() && !lifted.renewalPending)
        #expect(!registry.isDenyListed(subject), "no alert from now on")
        #expect(throws: ConsentError.self, "closed for good") { try registry.liftDenyListEntry(entry.id, reason: "again", actor: carol) }
        #expect(throws: ConsentError.self, "its renewal ended with it") {
            try registry.approveDenyListEntry(entry.id, reason: "late", actor: dave)
        }
        let audit = try registry.vault.read { db in try AuditLog.entries(in: db) }.filter { $0.action == "denylist.lift" }
        #expect(audit.count == 1 && audit.first?.actor == "carol" && audit.first?.subject == subject.rawValue)
        #expect(try registry.sweep().lapsedDenyListEntries == 0)
        fixture.clock.advance(days: 100)
        #expect(try registry.sweep().lapsedDenyListEntries == 0, "a lifted entry never lapses")
        #expect(try registry.denyListEntries(of: subject).first { $0.id == entry.id }?.state == .lifted)
    }

    @Test("after a refused renewal, the next renewal needs all its approvals again, and its approvers may approve")
    func renewalAfterRefusal() throws {
        let (fixture, registry, subject) = try setUp()
        let entry = try activeEntry(registry, subject)
        fixture.clock.advance(days: 60)
        _ = try registry.renewDenyListEntry(entry.id, reason: "still a risk", actor: bob)
        _ = try registry.approveDenyListEntry(entry.id, reason: "agree", actor: dave)
        let refused = try registry.rejectDenyListEntry(entry.id, reason: "not any more", actor: carol)
        #expect(!refused.renewalPending)
        fixture.clock.advance(days: 10)
        let again = try registry.renewDenyListEntry(entry.id, reason: "a new incident", actor: bob)
        #expect(again.renewalPending && again.round == 3, "a new round number, past the refused one")
        // Dave's approval of the refused round does not count, and he may approve again.
        let once = try registry.approveDenyListEntry(entry.id, reason: "agree again", actor: dave)
        #expect(once.renewalPending, "one approval of this round is not enough")
        let renewed = try registry.approveDenyListEntry(entry.id, reason: "agree", actor: carol)
        #expect(!renewed.renewalPending && renewed.activatedRound == 3)
    }

    @Test("a match raises an alert a person confirms with a reason; unanswered, it expires and nothing happens")
    func alerts() throws {
        let (fixture, registry, subject) = try setUp()
        _ = try activeEntry(registry, subject)
        let alert = try #require(try registry.raiseAlert(for: subject))
        #expect(alert.status == .open)
        #expect(throws: ConsentError.self) { try registry.confirmAlert(alert.id, decision: "deny", reason: "", actor: alice) }
        #expect(throws: ConsentError.self) { try registry.confirmAlert(alert.id, decision: "shoot", reason: "x", actor: alice) }
        let confirmed = try registry.confirmAlert(alert.id, decision: "admit", reason: "apologised, calm", actor: alice)
        #expect(confirmed.status == .confirmed && confirmed.decision == "admit" && confirmed.decidedBy == "alice")

        let late = try #require(try registry.raiseAlert(for: subject))
        fixture.clock.advance(by: 121)
        let error = #expect(throws: ConsentError.self) {
            try registry.confirmAlert(late.id, decision: "deny", reason: "too late", actor: bob)
        }
        #expect(error?.message.contains("no action was taken") == true)
        #expect(try registry.alerts(of: subject).map(\.status) == [.confirmed, .expired])
    }

    @Test("an entry or alert whose subject pseudonym was damaged is reported as damaged, not taken for someone")
    func damagedSubject() throws {
        let (_, registry, subject) = try setUp()
        let entry = try activeEntry(registry, subject)
        let alert = try #require(try registry.raiseAlert(for: subject))
        try registry.vault.write { db in
            try db.execute(sql: "UPDATE denylist_entry SET subject_id = 'not-a-pseudonym' WHERE id = ?", arguments: [entry.id])
            try db.execute(sql: "UPDATE door_alert SET subject_id = 'not-a-pseudonym' WHERE id = ?", arguments: [alert.id])
        }
        let listing = #expect(throws: ConsentError.self) { try registry.denyListEntries() }
        #expect(listing?.message.contains("deny-list entry \(entry.id) is damaged") == true)
        let renewal = #expect(throws: ConsentError.self) { try registry.renewDenyListEntry(entry.id, reason: "r", actor: bob) }
        #expect(renewal?.message.contains("damaged") == true)
        let alerts = #expect(throws: ConsentError.self) { try registry.alerts() }
        #expect(alerts?.message.contains("door alert \(alert.id) is damaged") == true)
        let decision = #expect(throws: ConsentError.self) { try registry.confirmAlert(alert.id, decision: "deny", reason: "r", actor: bob) }
        #expect(decision?.message.contains("damaged") == true)
    }

    @Test("every step is audited with the OS user, reasons sealed; the access export shows the entries")
    func auditedAndExported() throws {
        let (fixture, registry, subject) = try setUp()
        let entry = try activeEntry(registry, subject)
        let entries = try registry.vault.read { db in try AuditLog.entries(in: db) }
        let steps = entries.filter { ($0.action.hasPrefix("denylist.") && $0.action != "denylist.policy") || $0.action == "incident.add" }
        #expect(steps.map(\.action) == ["incident.add", "denylist.propose", "denylist.approve", "denylist.approve"])
        #expect(steps.map(\.actor) == ["alice", "alice", "bob", "carol"])
        #expect(steps.dropFirst().allSatisfy { $0.personal != nil })
        let export = try JSONParser.parse(registry.exportSubjectAccess(subject, actor: fixture.staff).text)
        #expect(export["deny_list"]?["in_force"]?.boolValue == true)
        #expect(export["deny_list"]?["entries"]?.arrayValue?.first?["entry"]?.stringValue == entry.id)
        // Erasure removes the subject's deny-list rows with everything else.
        try registry.erase(subject, reason: .request, actor: fixture.staff)
        #expect(try registry.denyListEntries().isEmpty)
        #expect(!registry.isDenyListed(subject))
    }
}
