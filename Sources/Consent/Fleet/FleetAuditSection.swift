/// One door's audit chain as the fleet's hub holds it, opened with the fleet key: the
/// door's name and public key, and its export lines (entries, each followed by the
/// checkpoints signed at it) from the first entry on. A fleet audit export is these
/// sections, one after the other, sealed by the door that exports it.
public struct FleetAuditSection: Sendable, Equatable {
    public var doorID: String
    public var name: String
    public var publicKey: [UInt8]
    /// When the door last synced with the hub.
    public var lastSyncAt: Double?
    public var lines: [String]

    public init(doorID: String, name: String, publicKey: [UInt8], lastSyncAt: Double?, lines: [String]) {
        self.doorID = doorID
        self.name = name
        self.publicKey = publicKey
        self.lastSyncAt = lastSyncAt
        self.lines = lines
    }
}
