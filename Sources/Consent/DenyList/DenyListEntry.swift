public import FacegateCore
public import Vault

/// A deny-list entry and where it stands in its approval process.
public struct DenyListEntry: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Waiting for approvals; has no effect at the door.
        case proposed
        /// Approved by enough distinct admins; raises alerts until its review date.
        case active
        /// An approver rejected it.
        case rejected
        /// Its review date passed without a renewal.
        case lapsed
        /// Lifted before its review date by an admin or the DPO (`denylist lift`).
        case lifted
    }

    public struct Approval: Sendable, Equatable {
        public var approver: String
        public var decision: String
        public var reason: String?
        public var at: Double
        public var round: Int
    }

    public var id: String
    public var subject: SubjectID
    public var state: State
    public var reason: String?
    public var evidence: [String]
    /// The OS user who proposed it, or `rule:CATEGORY` when the policy's rule did.
    public var proposedBy: String
    public var proposedAt: Double
    /// 1 for the first approval process, then one more per renewal.
    public var round: Int
    /// Who started the current round (the proposer, or the admin who asked for renewal).
    public var roundProposedBy: String
    public var activatedAt: Double?
    public var reviewAt: Double?
    public var closedAt: Double?
    public var approvals: [Approval]

    /// In force at `time`: active and before its review date.
    public func isInForce(at time: Double) -> Bool {
        state == .active && (reviewAt ?? 0) > time
    }

    /// How many days before its review date an entry in force is listed as due for
    /// review (the console's "review soon"), so that a renewal can gather its approvals in time.
    public static let reviewNoticeDays = 14.0

    /// In force at `time` with its review date within `reviewNoticeDays`.
    public func reviewIsNear(at time: Double) -> Bool {
        isInForce(at: time) && (reviewAt ?? 0) - time <= Self.reviewNoticeDays * 86_400
    }

    /// Approvals of the current round.
    public var currentApprovals: [Approval] { approvals.filter { $0.round == round && $0.decision == "approve" } }

    /// True while a renewal round waits for approvals (the entry stays in force until its review date).
    public var renewalPending: Bool { state == .active && activatedRound < round }
    /// The last round whose approvals made the entry active.
    public var activatedRound: Int

    public var json: JSONValue {
        [
            "entry": .string(id), "subject": .string(subject.rawValue), "state": .string(state.rawValue),
            "reason": .string(reason), "evidence": .array(evidence.map(JSONValue.string)),
            "proposed_by": .string(proposedBy), "proposed_at": .string(Timestamp.iso8601(proposedAt)),
            "round": .int(round), "round_proposed_by": .string(roundProposedBy), "renewal_pending": .bool(renewalPending),
            "approvals": .array(
                approvals.map {
                    [
                        "approver": .string($0.approver), "decision": .string($0.decision), "reason": .string($0.reason),
                        "at": .string(Timestamp.iso8601($0.at)), "round": .int($0.round),
                    ]
                }),
            "activated_at": .string(activatedAt.map(Timestamp.iso8601)), "review_at": .string(reviewAt.map(Timestamp.iso8601)),
            "closed_at": .string(closedAt.map(Timestamp.iso8601)),
        ]
    }
}
