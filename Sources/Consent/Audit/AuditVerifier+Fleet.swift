public import FacegateCore
import Vault

/// Verifies a fleet's audit export offline (`ConsentExports.fleetAuditLog`): every
/// door's chain with that door's key, each ending at a checkpoint the door signed (a
/// copy the hub cut short or altered fails), and the exporting door's seal over every
/// line (a door's section removed, added or swapped after the export fails).
extension AuditVerifier {
    public struct FleetReport: Sendable, Equatable {
        public struct Door: Sendable, Equatable {
            public var name: String
            public var entries: Int
            public var checkpoints: Int
            public var lastSeq: Int
            public var lastSync: String?
        }

        public var doors: [Door]
        public var sealedAt: String?
        /// Nil when everything verifies; the reason names the door.
        public var failure: Failure?
        public var keyFromExport: Bool

        public var isValid: Bool { failure == nil }

        public var json: JSONValue {
            var object: JSONObject = [
                "valid": .bool(isValid), "public_key_source": .string(keyFromExport ? "export" : "argument"),
                "doors": .array(
                    doors.map { door in
                        [
                            "door": .string(door.name), "entries": .int(door.entries), "checkpoints": .int(door.checkpoints),
                            "last_seq": .int(door.lastSeq), "last_sync": .string(door.lastSync),
                        ]
                    }),
            ]
            object["sealed_at"] = .string(sealedAt)
            object["failure"] = failure?.json
            return .object(object)
        }
    }

    public static func verifyFleet(lines: [String], publicKey trusted: [UInt8]? = nil) throws -> FleetReport {
        var report = FleetReport(doors: [], sealedAt: nil, failure: nil, keyFromExport: trusted == nil)
        var exporterKey = trusted
        var exportedAt: String?
        var current: (door: FleetReport.Door, chain: AuditChain)?
        var doorIDs: Set<String> = []
        var sealed = false
        var sawHeader = false
        let content = lines.enumerated().filter { !$0.element.isEmpty }

        func fail(_ seq: Int, _ line: Int, _ reason: String) -> FleetReport {
            var result = report
            let prefix = current.map { "door '\($0.door.name)': " } ?? ""
            result.failure = Failure(seq: seq, line: line, reason: prefix + reason)
            return result
        }
        /// Ends the current door's section: its chain must end at a checkpoint it signed.
        func close(at line: Int) -> FleetReport? {
            guard let (door, chain) = current else { return nil }
            if chain.lastSeq > 0 && chain.lastCheckpointSeq != chain.lastSeq {
                return fail(
                    chain.lastSeq, line,
                    "the chain ends at entry \(chain.lastSeq), after its last signed checkpoint (entry \(chain.lastCheckpointSeq)): the hub's copy was cut short or altered"
                )
            }
            var closed = door
            closed.entries = chain.entries
            closed.checkpoints = chain.checkpoints
            closed.lastSeq = chain.lastSeq
            report.doors.append(closed)
            current = nil
            return nil
        }

        for (position, (offset, text)) in content.enumerated() {
            let line = offset + 1
            if sealed { return fail(0, line, "line \(line) follows the export's seal: lines were added after it") }
            guard let value = try? JSONParser.parse(text) else { return fail(0, line, "line \(line) is not JSON") }
            switch value["type"]?.stringValue {
            case "header" where !sawHeader && position == 0:
                sawHeader = true
                guard value["format"]?.stringValue == ConsentExports.fleetAuditFormat else {
                    throw ConsentError(
                        .verificationFailed,
                        "line \(line): this is not a facegate fleet audit export (format \(value["format"]?.stringValue ?? "missing"))")
                }
                let key = value["public_key"]?.stringValue.flatMap(Hex.decode)
                if exporterKey == nil {
                    guard let key, key.count == 32 else { return fail(0, line, "the header has no valid public key; pass --public-key") }
                    exporterKey = key
                } else if let key, key != exporterKey {
                    return fail(0, line, "the export was sealed by another key than the one given")
                }
                exportedAt = value["exported_at"]?.stringValue
            case "door":
                if let failure = close(at: line) { return failure }
                guard let name = value["door"]?.stringValue, let id = value["door_id"]?.stringValue,
                    let key = value["public_key"]?.stringValue.flatMap(Hex.decode), key.count == 32
                else { return fail(0, line, "a malformed door line") }
                guard doorIDs.insert(id).inserted else { return fail(0, line, "the door '\(name)' appears twice") }
                current = (
                    FleetReport.Door(name: name, entries: 0, checkpoints: 0, lastSeq: 0, lastSync: value["last_sync"]?.stringValue),
                    AuditChain(publicKey: key)
                )
            case "entry", "checkpoint":
                guard current != nil else { return fail(0, line, "an entry before any door line") }
                let failure =
                    value["type"]?.stringValue == "entry" ? current!.chain.take(entry: value) : current!.chain.take(checkpoint: value)
                if let failure { return fail(failure.seq, line, failure.reason) }
            case "seal":
                if let failure = close(at: line) { return failure }
                guard let exporterKey else { return fail(0, line, "no public key for the seal; pass --public-key") }
                guard let seal = AuditSeal(json: value) else { return fail(0, line, "a malformed seal") }
                if let problem = seal.problem(
                    content: content.prefix(position).map(\.element), lastSeq: 0, headHash: AuditEntry.genesisHash,
                    exportedAt: exportedAt, latestCheckpointTime: "", publicKey: exporterKey)
                {
                    return fail(0, line, problem)
                }
                sealed = true
                report.sealedAt = seal.time
            default:
                return fail(0, line, "line \(line) has an unexpected type '\(value["type"]?.stringValue ?? "none")'")
            }
        }
        if !sawHeader { throw ConsentError(.verificationFailed, "the file has no facegate fleet audit export header") }
        if !sealed {
            return fail(0, lines.count, "the export does not end with the exporting door's seal: it was cut short or is not complete")
        }
        return report
    }
}
