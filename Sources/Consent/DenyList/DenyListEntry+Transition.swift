import FacegateCore
package import Vault

/// The approval process of a deny-list entry, as values: each step checks the
/// governance rules against the entry as it stands and returns the entry after the
/// step, without a database (`DenyListStore.apply` writes it, `DenyListGovernance`
/// audits it).
///
/// An entry is proposed (round 1), then becomes active once `approvalsRequired`
/// distinct admins, none of them the round's proposer, approved it; a rejection by
/// any of them closes it. An active entry may be renewed: a new round that needs the
/// same approvals again while the entry stays in force; a rejected renewal leaves it
/// to lapse at its review date, which the retention sweep applies (in bulk, in SQL,
/// `DenyListStore.entriesDueToLapse`).
extension DenyListEntry {
    /// One step of the approval process: what it was, the entry after it, and the
    /// approval or rejection it records, if any.
    package struct Transition: Sendable, Equatable {
        package enum Step: Sendable, Equatable {
            /// An approval that is not yet enough: the entry stays as it was.
            case approved
            /// The approval that was enough: the entry is active until a new review date.
            case activated
            /// A rejection of a proposed entry: it is closed.
            case rejected
            /// A rejection of a renewal: the entry goes back to its last approved round.
            case renewalRefused
            /// A renewal round begun: the entry needs the same approvals again.
            case renewalStarted
            /// An entry in force ended before its review date: it is closed.
            case lifted
        }

        package var step: Step
        package var entry: DenyListEntry
        package var decision: Approval?
    }

    /// An entry as proposed: round 1, no approvals, no effect at the door.
    package static func proposing(
        id: String, subject: SubjectID, reason: String, evidence: [String], by proposer: String, at time: Double
    ) -> DenyListEntry {
        DenyListEntry(
            id: id, subject: subject, state: .proposed, reason: reason, evidence: evidence, proposedBy: proposer, proposedAt: time,
            round: 1, roundProposedBy: proposer, activatedAt: nil, reviewAt: nil, closedAt: nil, approvals: [], activatedRound: 0)
    }

    /// An approval of the current round. Refused from the round's proposer, from whoever
    /// recorded an incident the entry rests on (`evidenceRecordedBy`: the account that
    /// made the evidence would otherwise be one of the two people), and from anyone
    /// who already approved this round. Enough approvals make the entry active (or
    /// renew it) until a new review date.
    package func approving(
        by approver: String, reason: String, at time: Double, policy: Policy.DenyList, evidenceRecordedBy: Set<String> = []
    ) throws -> Transition {
        try requireDecisionPending()
        guard approver != roundProposedBy else {
            throw ConsentError(
                .denyListRefused, "'\(approver)' proposed this \(round > 1 ? "renewal" : "entry") and cannot approve it: another admin must"
            )
        }
        guard !evidenceRecordedBy.contains(approver) else {
            throw ConsentError(
                .denyListRefused,
                "'\(approver)' recorded an incident this entry rests on and cannot approve it: an admin who did not record the evidence must"
            )
        }
        guard !currentApprovals.contains(where: { $0.approver == approver }) else {
            throw ConsentError(
                .denyListRefused,
                "'\(approver)' already approved entry \(id); approvals must come from \(policy.approvalsRequired) distinct admins")
        }
        let approval = Approval(approver: approver, decision: Approval.approve, reason: reason, at: time, round: round)
        var next = self
        next.approvals.append(approval)
        guard next.currentApprovals.count >= policy.approvalsRequired else {
            return Transition(step: .approved, entry: next, decision: approval)
        }
        next.state = .active
        next.activatedRound = round
        next.activatedAt = time
        next.reviewAt = time + policy.reviewDays * 86_400
        return Transition(step: .activated, entry: next, decision: approval)
    }

    /// A rejection by any approver closes a proposed entry; a rejected renewal
    /// leaves the entry in force until its review date, then it lapses. A rejection
    /// replaces its author's approval of the same round.
    package func rejecting(by approver: String, reason: String, at time: Double) throws -> Transition {
        try requireDecisionPending()
        let rejection = Approval(approver: approver, decision: Approval.reject, reason: reason, at: time, round: round)
        var next = self
        next.approvals.removeAll { $0.round == round && $0.approver == approver }
        next.approvals.append(rejection)
        if state == .proposed {
            next.state = .rejected
            next.closedAt = time
            return Transition(step: .rejected, entry: next, decision: rejection)
        }
        next.round = activatedRound
        return Transition(step: .renewalRefused, entry: next, decision: rejection)
    }

    /// Starts a renewal round for an entry in force: it needs the same approvals
    /// again before its review date, or it lapses.
    package func renewing(by admin: String, at time: Double) throws -> Transition {
        guard isInForce(at: time), !renewalPending else {
            throw ConsentError(
                .denyListRefused, "only an active entry without a pending renewal can be renewed (entry \(id) is \(state.rawValue))")
        }
        var next = self
        // A new number, past any refused renewal's: its approvals and rejections are
        // history, never counted towards this round (nor a reason to refuse an approval).
        next.round = max(round, approvals.map(\.round).max() ?? 0) + 1
        next.roundProposedBy = admin
        return Transition(step: .renewalStarted, entry: next, decision: nil)
    }

    /// Ends an entry in force before its review date (a renewal waiting for approvals
    /// ends with it). One person suffices, unlike for putting someone on the list: a
    /// listing found mistaken must stop at once, and ending it can only stop alerts
    /// about the person, never raise one. Who lifted it and why are in the audit log.
    package func lifting(by admin: String, at time: Double) throws -> Transition {
        guard isInForce(at: time) else {
            throw ConsentError(
                .denyListRefused,
                "only an entry in force can be lifted (entry \(id) is \(state.rawValue)\(state == .active ? ", past its review date" : "")); a proposal is rejected instead"
            )
        }
        var next = self
        next.state = .lifted
        next.closedAt = time
        next.round = activatedRound
        return Transition(step: .lifted, entry: next, decision: nil)
    }

    /// Approvals and rejections are taken only while one is pending: a proposal, or a renewal round.
    private func requireDecisionPending() throws {
        guard state == .proposed || renewalPending else {
            let lift = state == .active ? "; to end it before its review date, lift it (`denylist lift`, with a reason)" : ""
            throw ConsentError(.denyListRefused, "entry \(id) is \(state.rawValue) with no approval pending\(lift)")
        }
    }
}

extension DenyListEntry.Approval {
    /// The decisions an approver records (`decision`).
    static let approve = "approve"
    static let reject = "reject"
}
