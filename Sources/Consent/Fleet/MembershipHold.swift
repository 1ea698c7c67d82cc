import Synchronization

/// Whether the door may decide `member` from what it holds. A door of a fleet that has
/// not heard from the hub for `fleet.max_offline` can no longer promise that every
/// erasure made elsewhere has reached it, so it fails closed: faces it knows are
/// decided `unknown` (the card or the staff let members in) until the hub answers.
/// A single box is never held.
public final class MembershipHold: Sendable {
    private let reason = Mutex<String?>(nil)

    public init() {}

    /// Why members are not being recognised, or nil when they are.
    public var heldBecause: String? { reason.withLock { $0 } }
    public var isHeld: Bool { heldBecause != nil }

    public func hold(because why: String) { reason.withLock { $0 = why } }
    public func release() { reason.withLock { $0 = nil } }
}
