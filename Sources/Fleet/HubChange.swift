/// One change from the hub's sequence: a subject's sealed copy, an erasure, or a
/// purpose withdrawn (the subject stays), with what its origin door signed
/// (`SignedChange`): its own number for it and the proof. Both are nil on a row from
/// before version 3 that no door has signed yet.
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
    public var doorSeq: Int64?
    public var proof: [UInt8]?
    /// When the origin door made it (enrolled, erased, withdrew).
    public var at: Double
    /// A copy's own key, wrapped under a key epoch; nil for a copy from before version 4,
    /// sealed with the fleet key itself.
    var copyKey: WrappedCopyKey? = nil
}
