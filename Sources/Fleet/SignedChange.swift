import FacegateCore
import Vault

/// What a door signs for each row it gives the hub (a subject's copy, an erasure, a
/// purpose withdrawn): the fleet, the door it comes from, that door's own number for
/// it, the kind, the pseudonym, what the row says (the reason, the purpose, or the
/// SHA-256 of the sealed copy) and its time. A row copied onto another subject, door,
/// fleet, kind or purpose no longer matches its signature; a row given again keeps
/// its number, which the doors have already passed (`FleetSync+Verification`).
///
/// The door signs the text with its signing key (the one its audit checkpoints are
/// signed with) and seals the signature with the fleet key, the text as associated
/// data (`FleetKey.proof`): a hub writer without the fleet key cannot make a proof,
/// and a door with the fleet key cannot make another door's signature.
struct SignedChange: Sendable, Equatable {
    enum Kind: String, Sendable {
        case subject
        case erasure
        case withdrawal
    }

    var fleetID: String
    var originDoor: String
    var doorSeq: Int64
    var kind: Kind
    var subject: String
    /// The erasure's reason, the purpose withdrawn, or the hex SHA-256 of the sealed copy.
    var detail: String
    var at: Double

    /// The signed text. The time is its IEEE 754 bits: exactly what the hub stores and
    /// gives back, with no decimal rounding.
    var message: [UInt8] {
        let fields = [
            "facegate/fleet-row/v1", fleetID, originDoor, String(doorSeq), kind.rawValue, subject, detail,
            String(at.bitPattern, radix: 16),
        ]
        return Array(fields.joined(separator: "|").utf8)
    }

    /// The detail of a subject's row: the digest of its sealed copy.
    static func digest(ofSealed sealed: [UInt8]) -> String { Hex.encode(SHA256.hash(sealed)) }
}
