/// One change from the hub's sequence: a subject's sealed copy, or an erasure.
public struct HubChange: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case subject(sealed: [UInt8])
        case erasure(reason: String)
    }

    public var sequence: Int64
    public var subject: String
    public var originDoor: String
    public var kind: Kind
}
