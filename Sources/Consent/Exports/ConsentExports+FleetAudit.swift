public import FacegateCore

/// The fleet's audit log, as a DPO exports it from any door: a header naming the fleet
/// and the exporting door's key, then for every door a `door` line (its name and public
/// key) followed by its chain as the hub holds it, ending at a checkpoint the door
/// signed; then the exporting door's seal over every line. `audit verify` checks each
/// door's chain with that door's key and the seal with the exporter's.
extension ConsentExports {
    public static let fleetAuditFormat = "facegate-fleet-audit-export"

    public func fleetAuditLog(sections: [FleetAuditSection], fleetID: String, actor: OSUser) throws -> ExportDocument {
        // The export's own entry is in this door's chain on the hub only from the next sync.
        _ = try auditExport(
            "export.audit", actor: actor, details: ["format": "jsonl", "fleet": .string(fleetID), "doors": .int(sections.count)])
        let time = Timestamp.iso8601(clock.now())
        var header = header(Self.fleetAuditFormat, actor: actor, time: time).objectValue ?? [:]
        header["fleet"] = .string(fleetID)
        var lines = [JSONValue.object(header).serialized]
        for section in sections.sorted(by: { $0.name < $1.name }) {
            let door: JSONValue = [
                "type": "door", "door": .string(section.name), "door_id": .string(section.doorID),
                "public_key": .string(Hex.encode(section.publicKey)), "last_sync": .string(section.lastSyncAt.map(Timestamp.iso8601)),
            ]
            lines.append(door.serialized)
            lines.append(contentsOf: section.lines)
        }
        // Each section ends at its door's own signed checkpoint; the seal binds the whole.
        let seal = AuditSeal.make(lines: lines, lastSeq: 0, headHash: AuditEntry.genesisHash, time: time, sign: audit.sign)
        lines.append(seal.json.serialized)
        return ExportDocument(format: .jsonl, text: lines.joined(separator: "\n") + "\n")
    }
}
