public import FacegateCore
import Vault

/// Verifies an audit export offline, with nothing but the export and (ideally) the
/// device's public key: the hash chain entry by entry, every checkpoint's signature
/// and hash, and the seal that ends every export (signed over the export's time, its
/// last entry and every line before it), so that cutting the export back to an
/// earlier checkpoint, or grafting lines onto it, is detected. Reports the first
/// place it breaks.
public enum AuditVerifier {
    public struct Report: Sendable, Equatable {
        public var entries: Int
        public var checkpoints: Int
        public var lastSeq: Int
        /// When the device sealed the export.
        public var sealedAt: String?
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
            object["sealed_at"] = .string(sealedAt)
            if let failure {
                object["failure"] = ["seq": .int(failure.seq), "line": .int(failure.line), "reason": .string(failure.reason)]
            }
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
        var sawHeader = false
        var sealed = false
        var exportedAt: String?
        var latestCheckpointTime = ""
        let content = lines.enumerated().filter { !$0.element.isEmpty }

        func fail(_ seq: Int, _ line: Int, _ reason: String) -> Report {
            var result = report
            result.failure = Failure(seq: seq, line: line, reason: reason)
            return result
        }

        for (position, (offset, text)) in content.enumerated() {
            let line = offset + 1
            if sealed { return fail(report.lastSeq + 1, line, "line \(line) follows the export's seal: lines were added after it") }
            let value: JSONValue
            do { value = try JSONParser.parse(text) } catch {
                return fail(report.lastSeq + 1, line, "line \(line) is not JSON (\(error))")
            }
            switch value["type"]?.stringValue {
            case "header":
                sawHeader = true
                guard value["format"]?.stringValue == "facegate-audit-export" else {
                    throw ConsentError(
                        .verificationFailed,
                        "line \(line): this is not a facegate audit export (format \(value["format"]?.stringValue ?? "missing"))")
                }
                if publicKey == nil {
                    guard let key = value["public_key"]?.stringValue.flatMap(Hex.decode), key.count == 32 else {
                        return fail(1, line, "the header has no valid public key; pass --public-key")
                    }
                    publicKey = key
                } else if let key = value["public_key"]?.stringValue.flatMap(Hex.decode), key != publicKey {
                    return fail(
                        1, line, "the export was signed by another key than the one given (\(value["public_key"]?.stringValue ?? ""))")
                }
                exportedAt = value["exported_at"]?.stringValue
            case "entry":
                guard let seq = value["seq"]?.intValue else { return fail(report.lastSeq + 1, line, "an entry without a sequence number") }
                let expected = report.lastSeq + 1
                if seq > expected {
                    return fail(expected, line, "entry \(expected) is missing (entry \(seq) follows entry \(report.lastSeq))")
                }
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
                guard
                    SignatureVerifier.isValid(
                        signature: signature, message: AuditCheckpoint.message(seq: seq, hash: hash, time: time), publicKey: publicKey)
                else {
                    return fail(seq, line, "the checkpoint at entry \(seq) has an invalid signature")
                }
                guard let chained = hashes[seq] else {
                    return fail(seq, line, "the checkpoint at entry \(seq) refers to an entry that is not in the export")
                }
                guard chained == hash else {
                    return fail(
                        seq, line, "the signed checkpoint at entry \(seq) does not match the chain: entries up to \(seq) were rewritten")
                }
                report.checkpoints += 1
                latestCheckpointTime = max(latestCheckpointTime, time)
            case "seal":
                guard let publicKey else { return fail(report.lastSeq + 1, line, "no public key for the seal; pass --public-key") }
                guard let seal = AuditSeal(json: value) else { return fail(report.lastSeq + 1, line, "a malformed seal") }
                let before = content.prefix(position).map(\.element)
                if let problem = seal.problem(
                    content: before, lastSeq: report.lastSeq, headHash: report.lastSeq == 0 ? AuditEntry.genesisHash : previousHash,
                    exportedAt: exportedAt, latestCheckpointTime: latestCheckpointTime, publicKey: publicKey)
                {
                    return fail(report.lastSeq + 1, line, problem)
                }
                sealed = true
                report.sealedAt = seal.time
            default:
                return fail(report.lastSeq + 1, line, "line \(line) has an unknown type '\(value["type"]?.stringValue ?? "none")'")
            }
        }
        if !sawHeader { throw ConsentError(.verificationFailed, "the file has no facegate audit export header") }
        if !sealed {
            return fail(
                report.lastSeq + 1, lines.count,
                "the export does not end with the device's seal after entry \(report.lastSeq): it was cut short (perhaps back to an earlier checkpoint) or is not a complete export"
            )
        }
        return report
    }

    /// Checks that `newer` (an audit export) continues `older` (an earlier export of
    /// the same device): both verify, and every entry of the older one is in the newer
    /// one, unchanged. Nil when it does; else what breaks.
    public static func extends(_ newer: [String], older: [String], publicKey: [UInt8]?) throws -> String? {
        let newReport = try verify(lines: newer, publicKey: publicKey)
        let oldReport = try verify(lines: older, publicKey: publicKey)
        if let failure = oldReport.failure { return "the earlier export does not verify: \(failure.reason)" }
        if let failure = newReport.failure { return "the export does not verify: \(failure.reason)" }
        let hashes = { (lines: [String]) in
            Dictionary(
                lines.compactMap { try? JSONParser.parse($0) }.filter { $0["type"]?.stringValue == "entry" }
                    .compactMap { value in value["seq"]?.intValue.map { ($0, value["hash"]?.stringValue ?? "") } },
                uniquingKeysWith: { a, _ in a })
        }
        let old = hashes(older), new = hashes(newer)
        if newReport.lastSeq < oldReport.lastSeq {
            return
                "the export ends at entry \(newReport.lastSeq), before the earlier export's last entry \(oldReport.lastSeq): the log shrank"
        }
        if let forked = old.keys.sorted().first(where: { old[$0] != new[$0] }) {
            return "the log forked at entry \(forked): the earlier export holds a different entry there"
        }
        return nil
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
