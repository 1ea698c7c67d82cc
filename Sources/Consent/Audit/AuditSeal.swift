public import FacegateCore
import Vault

/// The last line of an audit export: the device's signature over the export's time,
/// its last entry (sequence number and hash) and every line before the seal. An
/// export cut back to an earlier checkpoint has no seal; one with a seal moved onto
/// other lines fails the digest; so `audit verify` tells a complete export from a
/// truncated one, and reports when it was sealed.
public struct AuditSeal: Sendable, Equatable {
    public var time: String
    public var lastSeq: Int
    public var headHash: [UInt8]
    public var contentDigest: [UInt8]
    public var signature: [UInt8]

    /// Seals `lines` (the export so far), signing with `sign`.
    static func make(lines: [String], lastSeq: Int, headHash: [UInt8], time: String, sign: ([UInt8]) -> [UInt8]) -> AuditSeal {
        let digest = digest(of: lines)
        let signature = sign(message(time: time, lastSeq: lastSeq, headHash: headHash, digest: digest))
        return AuditSeal(time: time, lastSeq: lastSeq, headHash: headHash, contentDigest: digest, signature: signature)
    }

    init(time: String, lastSeq: Int, headHash: [UInt8], contentDigest: [UInt8], signature: [UInt8]) {
        self.time = time
        self.lastSeq = lastSeq
        self.headHash = headHash
        self.contentDigest = contentDigest
        self.signature = signature
    }

    init?(json value: JSONValue) {
        guard let time = value["sealed_at"]?.stringValue, let lastSeq = value["last_seq"]?.intValue,
            let head = value["head_hash"]?.stringValue.flatMap(Hex.decode),
            let digest = value["content_blake2b"]?.stringValue.flatMap(Hex.decode),
            let signature = value["signature"]?.stringValue.flatMap(Hex.decode)
        else { return nil }
        self.init(time: time, lastSeq: lastSeq, headHash: head, contentDigest: digest, signature: signature)
    }

    public var json: JSONValue {
        [
            "type": "seal", "sealed_at": .string(time), "last_seq": .int(lastSeq), "head_hash": .string(Hex.encode(headHash)),
            "content_blake2b": .string(Hex.encode(contentDigest)), "signature": .string(Hex.encode(signature)),
        ]
    }

    static func digest(of lines: [String]) -> [UInt8] {
        Blake2b.hash(Array(lines.map { $0 + "\n" }.joined().utf8))
    }

    static func message(time: String, lastSeq: Int, headHash: [UInt8], digest: [UInt8]) -> [UInt8] {
        let value: JSONValue = [
            "type": "facegate-audit-seal", "sealed_at": .string(time), "last_seq": .int(lastSeq),
            "head_hash": .string(Hex.encode(headHash)),
            "content_blake2b": .string(Hex.encode(digest)),
        ]
        return Array(value.canonical.serialized.utf8)
    }

    /// Nil when the seal verifies over `content` and matches the export; else why not.
    func problem(
        content: [String], lastSeq: Int, headHash: [UInt8], exportedAt: String?, latestCheckpointTime: String, publicKey: [UInt8]
    ) -> String? {
        let message = Self.message(time: time, lastSeq: self.lastSeq, headHash: self.headHash, digest: contentDigest)
        guard SignatureVerifier.isValid(signature: signature, message: message, publicKey: publicKey) else {
            return "the export's seal has an invalid signature"
        }
        guard Self.digest(of: content) == contentDigest else {
            return "the lines before the seal are not the ones it was made over: lines were changed, removed or added"
        }
        guard self.lastSeq == lastSeq, self.headHash == headHash else {
            return "the seal was made after entry \(self.lastSeq), but the export's last entry is \(lastSeq)"
        }
        if let exportedAt, exportedAt != time {
            return "the seal (\(time)) is not the one of this export (exported at \(exportedAt))"
        }
        if latestCheckpointTime > time {
            return "the seal (\(time)) is older than the export's content (a checkpoint of \(latestCheckpointTime))"
        }
        return nil
    }
}
