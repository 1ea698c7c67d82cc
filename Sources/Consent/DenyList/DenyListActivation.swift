public import FacegateCore

/// The deny-list switched on by people rather than by the policy file alone
/// (`facegate denylist enable --dpia REF --reason TEXT`): proposed by one admin with the
/// DPIA that justifies it, in force once the policy's `approvals_required` distinct
/// admins (the proposer among them) have asked for it with the same reference, and
/// closed by `denylist disable`. Every step is in the audit log with the reference.
public struct DenyListActivation: Sendable, Equatable {
    public var id: String
    public var dpiaReference: String
    public var reason: String
    public var proposedBy: String
    public var proposedAt: Double
    /// The admins who asked for it after the proposer, in order.
    public var approvals: [String]
    public var activatedAt: Double?
    public var closedAt: Double?

    /// In force: every admin needed has asked, and nobody has disabled it since.
    public var isActive: Bool { activatedAt != nil && closedAt == nil }

    public var json: JSONValue {
        [
            "activation": .string(id), "dpia_reference": .string(dpiaReference), "reason": .string(reason),
            "proposed_by": .string(proposedBy), "proposed_at": .string(Timestamp.iso8601(proposedAt)),
            "approvals": .array(approvals.map(JSONValue.string)),
            "state": .string(isActive ? "active" : closedAt == nil ? "proposed" : "closed"),
            "activated_at": activatedAt.map { .string(Timestamp.iso8601($0)) } ?? .null,
        ]
    }
}
