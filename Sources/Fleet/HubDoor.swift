/// A door as the hub knows it (for `fleet status`): its last contact, and how far it
/// has applied the hub's changes.
public struct HubDoor: Sendable, Equatable {
    public var doorID: String
    public var name: String
    public var joinedAt: Double
    public var lastSeenAt: Double?
    public var cursor: Int64
}
