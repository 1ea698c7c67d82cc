/// A door as the hub knows it (for `fleet status`): its last contact, how far it has
/// applied the hub's changes, and the hub role bound to it (nil: it connects as the
/// tables' owner, which the policies do not bind).
public struct HubDoor: Sendable, Equatable {
    public var doorID: String
    public var name: String
    public var joinedAt: Double
    public var lastSeenAt: Double?
    public var cursor: Int64
    public var role: String?
}
