/// One change from the hub's sequence: a subject's sealed copy, an erasure, or a
/// purpose withdrawn (the subject stays).
public struct HubChange: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case subject(sealed: [UInt8])
        case erasure(reason: String)
        case withdrawal(purpose: String)
    }

    public var sequence: Int64
    public var subject: String
    public var originDoor: String
    public var kind: Kind
}
