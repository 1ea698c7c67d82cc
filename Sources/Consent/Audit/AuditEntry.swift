public import FacegateCore
import Vault

/// One line of the audit log. Its hash is BLAKE2b-256(previous hash || canonical
/// JSON of the entry), so editing, deleting or reordering an entry breaks the chain.
/// Personal details are sealed with the subject's data key: after an erasure they are
/// unreadable, and the chain, which hashes the ciphertext, still verifies.
public struct AuditEntry: Sendable, Equatable {
    public var seq: Int
    /// RFC 3339 UTC with milliseconds, exactly as hashed.
    public var time: String
    /// The OS account, or `system`.
    public var actor: String
    /// What happened, dotted: `subject.enrol`, `consent.withdraw`, `retention.expire`, ...
    public var action: String
    public var subject: String?
    /// Non-personal details (counts, notice versions, reasons from a fixed list).
    public var details: JSONObject
    /// Personal details sealed with the subject's key, or nil.
    public var personal: [UInt8]?
    public var previousHash: [UInt8]
    public var hash: [UInt8]

    /// The 32 zero bytes the first entry chains from.
    public static let genesisHash = [UInt8](repeating: 0, count: 32)

    /// The canonical encoding that is hashed: sorted keys, no spaces.
    public static func canonical(
        seq: Int, time: String, actor: String, action: String, subject: String?, details: JSONObject, personal: [UInt8]?
    ) -> [UInt8] {
        canonical(
            seq: seq, time: time, actor: actor, action: action, subject: subject,
            canonicalDetails: JSONValue.object(details).canonical.serialized, personal: personal)
    }

    /// The same, with the details already in canonical form (as the database stores
    /// them), so that verifying 100,000 entries parses no JSON. The keys are written
    /// in their sorted order: action, actor, details, personal, seq, subject, time.
    static func canonical(
        seq: Int, time: String, actor: String, action: String, subject: String?, canonicalDetails: String, personal: [UInt8]?
    ) -> [UInt8] {
        var out = "{\"action\":"
        JSONValue.string(action).write(to: &out)
        out += ",\"actor\":"
        JSONValue.string(actor).write(to: &out)
        out += ",\"details\":" + canonicalDetails + ",\"personal\":"
        (personal.map { JSONValue.string(Hex.encode($0)) } ?? .null).write(to: &out)
        out += ",\"seq\":" + String(seq) + ",\"subject\":"
        JSONValue.string(subject).write(to: &out)
        out += ",\"time\":"
        JSONValue.string(time).write(to: &out)
        out += "}"
        return Array(out.utf8)
    }

    public static func chainHash(previous: [UInt8], canonical: [UInt8]) -> [UInt8] {
        Blake2b.hash(previous + canonical)
    }

    /// The hash this entry's content gives, to compare with `hash`.
    public var computedHash: [UInt8] {
        Self.chainHash(
            previous: previousHash,
            canonical: Self.canonical(
                seq: seq, time: time, actor: actor, action: action, subject: subject, details: details, personal: personal))
    }

    /// The entry as an export line.
    public var json: JSONValue {
        [
            "type": "entry", "seq": .int(seq), "time": .string(time), "actor": .string(actor), "action": .string(action),
            "subject": .string(subject), "details": .object(details),
            "personal": personal.map { .string(Hex.encode($0)) } ?? .null,
            "prev_hash": .string(Hex.encode(previousHash)), "hash": .string(Hex.encode(hash)),
        ]
    }
}

/// A signed statement "the chain had this hash at this seq".
public struct AuditCheckpoint: Sendable, Equatable {
    public var seq: Int
    public var hash: [UInt8]
    public var time: String
    public var signature: [UInt8]

    /// The bytes that are signed.
    public static func message(seq: Int, hash: [UInt8], time: String) -> [UInt8] {
        let value: JSONValue = [
            "type": "facegate-audit-checkpoint", "seq": .int(seq), "hash": .string(Hex.encode(hash)), "time": .string(time),
        ]
        return Array(value.canonical.serialized.utf8)
    }

    public var json: JSONValue {
        [
            "type": "checkpoint", "seq": .int(seq), "hash": .string(Hex.encode(hash)), "time": .string(time),
            "signature": .string(Hex.encode(signature)),
        ]
    }
}
