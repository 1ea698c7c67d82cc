import Consent
import FacegateTestSupport
import Testing
import Vault

/// The approval process of a deny-list entry as values, without a database: who may
/// approve, when an entry becomes active, what a rejection or a renewal does.
@Suite("Deny-list entry transitions", .perTestLimit)
struct DenyListEntryTests {
    static let policy: Policy.DenyList = {
        // The repository's default: 2 approvals, a 90-day review.
        (try? Policy.load(path: TestResources.repositoryRoot + "/policy/default.toml"))!.denyList
    }()

    let day = 86_400.0
    let start = 1_780_000_000.0

    func proposed(by proposer: String = "alice") -> DenyListEntry {
        DenyListEntry.proposing(
            id: "e1", subject: SubjectID.random(), reason: "repeated theft", evidence: ["i1", "i2"], by: proposer, at: start)
    }

    func active() throws -> DenyListEntry {
        let approved = try proposed().approving(by: "bob", reason: "seen", at: start + 1, policy: Self.policy).entry
        return try approved.approving(by: "carol", reason: "agreed", at: start + 2, policy: Self.policy).entry
    }

    @Test("the default policy asks for 2 approvals and a 90-day review")
    func defaultPolicy() {
        #expect(Self.policy.approvalsRequired == 2)
        #expect(Self.policy.reviewDays == 90)
    }

    @Test("a proposal is round 1 with no approvals, started by its proposer, and has no effect at the door")
    func proposal() {
        let entry = proposed()
        #expect(entry.state == .proposed)
        #expect(entry.round == 1 && entry.roundProposedBy == "alice" && entry.proposedBy == "alice")
        #expect(entry.approvals.isEmpty)
        #expect(!entry.isInForce(at: start))
        #expect(!entry.renewalPending)
    }

    @Test("the proposer cannot approve their own entry")
    func proposerCannotApprove() {
        let error = #expect(throws: ConsentError.self) {
            try proposed().approving(by: "alice", reason: "mine", at: start, policy: Self.policy)
        }
        #expect(error?.code == .denyListRefused)
        #expect(error?.message.contains("cannot approve") == true)
    }

    @Test("an approval short of the policy's count records it and leaves the entry proposed")
    func oneApprovalIsNotEnough() throws {
        let transition = try proposed().approving(by: "bob", reason: "seen", at: start + 1, policy: Self.policy)
        #expect(transition.step == .approved)
        #expect(transition.entry.state == .proposed)
        #expect(transition.entry.currentApprovals.map(\.approver) == ["bob"])
        #expect(transition.decision?.decision == "approve" && transition.decision?.reason == "seen" && transition.decision?.round == 1)
    }

    @Test("the same admin approving twice in a round is refused: approvals come from distinct admins")
    func distinctApprovers() throws {
        let once = try proposed().approving(by: "bob", reason: "seen", at: start + 1, policy: Self.policy).entry
        let error = #expect(throws: ConsentError.self) {
            try once.approving(by: "bob", reason: "again", at: start + 2, policy: Self.policy)
        }
        #expect(error?.message.contains("distinct") == true)
    }

    @Test("enough distinct approvals make the entry active until the review date the policy sets")
    func activation() throws {
        let once = try proposed().approving(by: "bob", reason: "seen", at: start + 1, policy: Self.policy).entry
        let transition = try once.approving(by: "carol", reason: "agreed", at: start + 2, policy: Self.policy)
        #expect(transition.step == .activated)
        let entry = transition.entry
        #expect(entry.state == .active)
        #expect(entry.activatedRound == 1 && entry.activatedAt == start + 2)
        #expect(entry.reviewAt == start + 2 + 90 * day)
        #expect(entry.isInForce(at: start + 89 * day))
        #expect(!entry.isInForce(at: start + 91 * day), "past its review date it has no effect, lapsed or not")
        #expect(entry.approvals.map(\.approver) == ["bob", "carol"])
    }

    @Test("the policy's count is what activates: with three required, two approvals are not enough")
    func policyCount() throws {
        var policy = Self.policy
        policy.approvalsRequired = 3
        let twice = try proposed().approving(by: "bob", reason: "seen", at: start + 1, policy: policy).entry
        let transition = try twice.approving(by: "carol", reason: "agreed", at: start + 2, policy: policy)
        #expect(transition.step == .approved)
        #expect(transition.entry.state == .proposed)
        #expect(try transition.entry.approving(by: "dave", reason: "yes", at: start + 3, policy: policy).step == .activated)
    }

    @Test("a rejection closes a proposed entry and replaces its author's approval of the round")
    func rejection() throws {
        let approved = try proposed().approving(by: "bob", reason: "seen", at: start + 1, policy: Self.policy).entry
        let transition = try approved.rejecting(by: "bob", reason: "changed my mind", at: start + 2)
        #expect(transition.step == .rejected)
        #expect(transition.entry.state == .rejected && transition.entry.closedAt == start + 2)
        #expect(transition.entry.approvals.map(\.decision) == ["reject"])
        #expect(transition.entry.currentApprovals.isEmpty)
    }

    @Test("a rejected or active entry with no renewal pending takes no approval and no rejection")
    func nothingPending() throws {
        let rejected = try proposed().rejecting(by: "bob", reason: "no", at: start + 1).entry
        let error = #expect(throws: ConsentError.self) {
            try rejected.approving(by: "carol", reason: "late", at: start + 2, policy: Self.policy)
        }
        #expect(error?.message.contains("no approval pending") == true)
        #expect(throws: ConsentError.self) { try rejected.rejecting(by: "carol", reason: "late", at: start + 2) }
        #expect(throws: ConsentError.self) { try active().approving(by: "dave", reason: "more", at: start + 3, policy: Self.policy) }
    }

    @Test("only an entry in force without a pending renewal can be renewed")
    func renewable() throws {
        #expect(throws: ConsentError.self) { try proposed().renewing(by: "bob", at: start) }
        let entry = try active()
        let error = #expect(throws: ConsentError.self) { try entry.renewing(by: "bob", at: start + 91 * day) }
        #expect(error?.message.contains("only an active entry") == true)
        let transition = try entry.renewing(by: "bob", at: start + 80 * day)
        #expect(transition.step == .renewalStarted && transition.decision == nil)
        #expect(transition.entry.round == 2 && transition.entry.roundProposedBy == "bob")
        #expect(transition.entry.renewalPending)
        #expect(transition.entry.isInForce(at: start + 80 * day), "a renewal under way leaves the entry in force")
        #expect(throws: ConsentError.self) { try transition.entry.renewing(by: "carol", at: start + 81 * day) }
    }

    @Test("a renewal needs fresh approvals, not from the renewer, and extends the review date")
    func renewal() throws {
        let renewing = try active().renewing(by: "bob", at: start + 80 * day).entry
        #expect(throws: ConsentError.self) { try renewing.approving(by: "bob", reason: "mine", at: start + 80 * day, policy: Self.policy) }
        let once = try renewing.approving(by: "alice", reason: "agree", at: start + 81 * day, policy: Self.policy)
        #expect(once.step == .approved && once.entry.renewalPending)
        let renewed = try once.entry.approving(by: "carol", reason: "agree", at: start + 82 * day, policy: Self.policy)
        #expect(renewed.step == .activated)
        #expect(!renewed.entry.renewalPending && renewed.entry.activatedRound == 2)
        #expect(renewed.entry.reviewAt == start + 82 * day + 90 * day)
    }

    @Test("a rejected renewal takes the entry back to its approved round: in force until its review date, then no more")
    func refusedRenewal() throws {
        let entry = try active()
        let renewing = try entry.renewing(by: "bob", at: start + 80 * day).entry
        let transition = try renewing.rejecting(by: "carol", reason: "no longer needed", at: start + 81 * day)
        #expect(transition.step == .renewalRefused)
        #expect(transition.entry.state == .active && transition.entry.round == 1 && !transition.entry.renewalPending)
        #expect(transition.entry.reviewAt == entry.reviewAt)
        #expect(transition.entry.isInForce(at: start + 85 * day))
        #expect(!transition.entry.isInForce(at: start + 91 * day))
    }

    @Test("a renewal after a refused one takes a new round number, so the refused round's approvals never count")
    func renewalAfterRefusal() throws {
        let renewing = try active().renewing(by: "bob", at: start + 60 * day).entry
        let approved = try renewing.approving(by: "alice", reason: "agree", at: start + 61 * day, policy: Self.policy).entry
        let refused = try approved.rejecting(by: "carol", reason: "no", at: start + 62 * day).entry
        let again = try refused.renewing(by: "bob", at: start + 70 * day).entry
        #expect(again.round == 3)
        let once = try again.approving(by: "alice", reason: "agree again", at: start + 71 * day, policy: Self.policy)
        #expect(once.step == .approved && once.entry.renewalPending)
    }
}
