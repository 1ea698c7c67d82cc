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
            object["failure"] = failure?.json
            return .object(object)
        }
    }

    public struct Failure: Sendable, Equatable {
        /// The first entry (sequence number) where verification breaks.
        public var seq: Int
        /// The line of the export file (1-based).
        public var line: Int
        public var reason: String

        var json: JSONValue { ["seq": .int(seq), "line": .int(line), "reason": .string(reason)] }
    }

    /// Verifies the lines of an audit export. `publicKey` overrides the key in the header.
    public static func verify(lines: [String], publicKey trusted: [UInt8]? = nil) throws -> Report {
        var report = Report(entries: 0, checkpoints: 0, lastSeq: 0, failure: nil, keyFromExport: trusted == nil)
        var chain = AuditChain(publicKey: trusted)
        var sawHeader = false
        var sealed = false
        var exportedAt: String?
        let content = lines.enumerated().filter { !$0.element.isEmpty }

        func fail(_ seq: Int, _ line: Int, _ reason: String) -> Report {
            var result = report
            result.entries = chain.entries
            result.checkpoints = chain.checkpoints
            result.lastSeq = chain.lastSeq
            result.failure = Failure(seq: seq, line: line, reason: reason)
            return result
        }

        for (position, (offset, text)) in content.enumerated() {
            let line = offset + 1
            if sealed { return fail(chain.lastSeq + 1, line, "line \(line) follows the export's seal: lines were added after it") }
            let value: JSONValue
            do { value = try JSONParser.parse(text) } catch {
                return fail(chain.lastSeq + 1, line, "line \(line) is not JSON (\(error))")
            }
            switch value["type"]?.stringValue {
            case "header":
                sawHeader = true
                guard value["format"]?.stringValue == "facegate-audit-export" else {
                    throw ConsentError(
                        .verificationFailed,
                        "line \(line): this is not a facegate audit export (format \(value["format"]?.stringValue ?? "missing"))")
                }
                if chain.publicKey == nil {
                    guard let key = value["public_key"]?.stringValue.flatMap(Hex.decode), key.count == 32 else {
                        return fail(1, line, "the header has no valid public key; pass --public-key")
                    }
                    chain.publicKey = key
                } else if let key = value["public_key"]?.stringValue.flatMap(Hex.decode), key != chain.publicKey {
                    return fail(
                        1, line, "the export was signed by another key than the one given (\(value["public_key"]?.stringValue ?? ""))")
                }
                exportedAt = value["exported_at"]?.stringValue
            case "entry":
                if let failure = chain.take(entry: value) { return fail(failure.seq, line, failure.reason) }
            case "checkpoint":
                if let failure = chain.take(checkpoint: value) { return fail(failure.seq, line, failure.reason) }
            case "seal":
                guard let publicKey = chain.publicKey else {
                    return fail(chain.lastSeq + 1, line, "no public key for the seal; pass --public-key")
                }
                guard let seal = AuditSeal(json: value) else { return fail(chain.lastSeq + 1, line, "a malformed seal") }
                let before = content.prefix(position).map(\.element)
                if let problem = seal.problem(
                    content: before, lastSeq: chain.lastSeq, headHash: chain.headHash, exportedAt: exportedAt,
                    latestCheckpointTime: chain.latestCheckpointTime, publicKey: publicKey)
                {
                    return fail(chain.lastSeq + 1, line, problem)
                }
                sealed = true
                report.sealedAt = seal.time
            default:
                return fail(chain.lastSeq + 1, line, "line \(line) has an unknown type '\(value["type"]?.stringValue ?? "none")'")
            }
        }
        if !sawHeader { throw ConsentError(.verificationFailed, "the file has no facegate audit export header") }
        if !sealed {
            return fail(
                chain.lastSeq + 1, lines.count,
                "the export does not end with the device's seal after entry \(chain.lastSeq): it was cut short (perhaps back to an earlier checkpoint) or is not a complete export"
            )
        }
        report.entries = chain.entries
        report.checkpoints = chain.checkpoints
        report.lastSeq = chain.lastSeq
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
