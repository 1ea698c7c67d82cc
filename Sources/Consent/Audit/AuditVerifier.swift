public import FacegateCore
import Vault

/// Verifies an audit export offline, with nothing but the export and (ideally) the
/// device's public key: the hash chain entry by entry, every checkpoint's signature
/// and hash, and that the export ends with a checkpoint over its last entry (so that
/// cutting entries off the end is detected). Reports the first place it breaks.
public enum AuditVerifier {
    public struct Report: Sendable, Equatable {
        public var entries: Int
        public var checkpoints: Int
        public var lastSeq: Int
        /// Nil when everything verifies.
        public var failure: Failure?
        /// True when the public key came from the export itself, not from the caller.
        public var keyFromExport: Bool

        public var isValid: Bool { failure == nil }

        public var json: JSONValue {
            var object: JSONObject = [
                "valid": .bool(isValid), "entries": .int(entries), "checkpoints": .int(checkpoints), "last_seq": .int(lastSeq),
                "public_key_source": .string(keyFromExport ? "export" : "argument"),
            ]
            if let failure { object["failure"] = ["seq": .int(failure.seq), "line": .int(failure.line), "reason": .string(failure.reason)] }
            return .object(object)
        }
    }

    public struct Failure: Sendable, Equatable {
        /// The first entry (sequence number) where verification breaks.
        public var seq: Int
        /// The line of the export file (1-based).
        public var line: Int
        public var reason: String
    }

    /// Verifies the lines of an audit export. `publicKey` overrides the key in the header.
    public static func verify(lines: [String], publicKey trusted: [UInt8]? = nil) throws -> Report {
        var report = Report(entries: 0, checkpoints: 0, lastSeq: 0, failure: nil, keyFromExport: trusted == nil)
        var publicKey = trusted
        var previousHash = AuditEntry.genesisHash
        var hashes: [Int: [UInt8]] = [:]
        var lastLineWasFinalCheckpoint = false
        var sawHeader = false

        func fail(_ seq: Int, _ line: Int, _ reason: String) -> Report {
            var result = report
            result.failure = Failure(seq: seq, line: line, reason: reason)
            return result
        }

        for (offset, text) in lines.enumerated() where !text.isEmpty {
            let line = offset + 1
            let value: JSONValue
            do { value = try JSONParser.parse(text) } catch {
                return fail(report.lastSeq + 1, line, "line \(line) is not JSON (\(error))")
            }
            switch value["type"]?.stringValue {
            case "header":
                sawHeader = true
                guard value["format"]?.stringValue == "facegate-audit-export" else {
                    throw ConsentError(.verificationFailed, "line \(line): this is not a facegate audit export (format \(value["format"]?.stringValue ?? "missing"))")
                }
                if publicKey == nil {
                    guard let key = value["public_key"]?.stringValue.flatMap(Hex.decode), key.count == 32 else {
                        return fail(1, line, "the header has no valid public key; pass --public-key")
                    }
                    publicKey = key
                } else if let key = value["public_key"]?.stringValue.flatMap(Hex.decode), key != publicKey {
                    return fail(1, line, "the export was signed by another key than the one given (\(value["public_key"]?.stringValue ?? ""))")
                }
                lastLineWasFinalCheckpoint = false
            case "entry":
                lastLineWasFinalCheckpoint = false
                guard let seq = value["seq"]?.intValue else { return fail(report.lastSeq + 1, line, "an entry without a sequence number") }
                let expected = report.lastSeq + 1
                if seq > expected { return fail(expected, line, "entry \(expected) is missing (entry \(seq) follows entry \(report.lastSeq))") }
                if seq < expected { return fail(seq, line, "entry \(seq) is out of order or repeated (after entry \(report.lastSeq))") }
                guard let entry = entry(from: value) else { return fail(seq, line, "entry \(seq) is malformed") }
                if entry.previousHash != previousHash {
                    return fail(seq, line, "entry \(seq) does not chain to entry \(seq - 1) (its previous hash differs)")
                }
                if entry.computedHash != entry.hash {
                    return fail(seq, line, "entry \(seq) was altered: its content does not match its hash")
                }
                previousHash = entry.hash
                hashes[seq] = entry.hash
                report.entries += 1
                report.lastSeq = seq
            case "checkpoint":
                guard let seq = value["seq"]?.intValue,
                    let hash = value["hash"]?.stringValue.flatMap(Hex.decode),
                    let time = value["time"]?.stringValue,
                    let signature = value["signature"]?.stringValue.flatMap(Hex.decode)
                else { return fail(report.lastSeq + 1, line, "a malformed checkpoint") }
                guard let publicKey else { return fail(seq, line, "no public key before the first checkpoint; pass --public-key") }
                guard SignatureVerifier.isValid(signature: signature, message: AuditCheckpoint.message(seq: seq, hash: hash, time: time), publicKey: publicKey) else {
                    return fail(seq, line, "the checkpoint at entry \(seq) has an invalid signature")
                }
                guard let chained = hashes[seq] else {
                    return fail(seq, line, "the checkpoint at entry \(seq) refers to an entry that is not in the export")
                }
                guard chained == hash else {
                    return fail(seq, line, "the signed checkpoint at entry \(seq) does not match the chain: entries up to \(seq) were rewritten")
                }
                report.checkpoints += 1
                lastLineWasFinalCheckpoint = seq == report.lastSeq
            default:
                return fail(report.lastSeq + 1, line, "line \(line) has an unknown type '\(value["type"]?.stringValue ?? "none")'")
            }
        }
        if !sawHeader { throw ConsentError(.verificationFailed, "the file has no facegate audit export header") }
        if !lastLineWasFinalCheckpoint {
            return fail(report.lastSeq + 1, lines.count, "the export does not end with a signed checkpoint over its last entry (\(report.lastSeq)): it was truncated or appended to")
        }
        return report
    }

    static func entry(from value: JSONValue) -> AuditEntry? {
        guard let seq = value["seq"]?.intValue, let time = value["time"]?.stringValue, let actor = value["actor"]?.stringValue,
            let action = value["action"]?.stringValue, let details = value["details"]?.objectValue,
            let previous = value["prev_hash"]?.stringValue.flatMap(Hex.decode),
            let hash = value["hash"]?.stringValue.flatMap(Hex.decode)
        else { return nil }
        var personal: [UInt8]?
        if let text = value["personal"]?.stringValue {
            guard let bytes = Hex.decode(text) else { return nil }
            personal = bytes
        }
        return AuditEntry(
            seq: seq, time: time, actor: actor, action: action, subject: value["subject"]?.stringValue,
            details: details, personal: personal, previousHash: previous, hash: hash)
    }
}
