public import FacegateCore

/// Where a door of a fleet stands, for `status`, the console and `/metrics`.
public struct FleetReport: Sendable, Equatable {
    public var fleetID: String
    public var door: String
    public var hub: String
    public var connected: Bool
    /// When the door last completed a sync with the hub.
    public var lastHeardAt: Double?
    public var cursor: Int64
    /// Why the door is not deciding `member` (failing closed), or nil.
    public var heldBecause: String?
    public var adopted: Int
    public var erasedFromHub: Int
    /// Purposes withdrawn here because another door withdrew them.
    public var withdrawnFromHub: Int
    public var pushed: Int
    public var refused: Int
    /// The last failure to reach or use the hub, until the next success.
    public var lastError: String?
    /// Rows from the hub this door refused since it started (forged, altered,
    /// replayed): each a `breach.detected` audit entry.
    public var rejected: Int = 0
    /// Why the last of them was refused.
    public var lastRejection: String?
    /// The fleet's key epoch this door is at, and the epochs whose keys it still holds
    /// (older ones until their deadline, `FleetEpochs`).
    public var keyEpoch: Int?
    public var heldKeyEpochs: [Int] = []

    public func json(now: Double) -> JSONValue {
        [
            "fleet": .string(fleetID),
            "door": .string(door),
            "hub": .string(hub),
            "connected": .bool(connected),
            "last_sync": .string(lastHeardAt.map(Timestamp.iso8601)),
            "seconds_since_sync": .double(lastHeardAt.map { (max(0, now - $0) * 10).rounded() / 10 }),
            "cursor": .int(Int(cursor)),
            "members_recognised": .bool(heldBecause == nil),
            "held_because": .string(heldBecause),
            "adopted": .int(adopted),
            "erased_from_hub": .int(erasedFromHub),
            "withdrawn_from_hub": .int(withdrawnFromHub),
            "pushed": .int(pushed),
            "refused": .int(refused),
            "last_error": .string(lastError),
            "rejected_rows": .int(rejected),
            "last_rejection": .string(lastRejection),
            "key_epoch": keyEpoch.map(JSONValue.int) ?? .null,
            "key_epochs_held": .array(heldKeyEpochs.map(JSONValue.int)),
        ]
    }
}
