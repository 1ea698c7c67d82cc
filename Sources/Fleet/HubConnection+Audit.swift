import NIOCore
import PostgresNIO

/// The statements of the doors' audit chains on the hub (`fleet_audit`,
/// `fleet_audit_key`): sealed rows the hub can neither read nor alter unnoticed.
extension HubConnection {
    /// The newest entry of `door`'s chain the hub holds (0 for none).
    func auditHead(of door: String) async throws(FleetError) -> Int {
        let rows = try await rows(
            "SELECT COALESCE(MAX(seq), 0) FROM fleet_audit WHERE door_id = \(door)", doing: "read the audit chain's head on")
        let head: Int64 = try rows.first.map { row throws(FleetError) in try decode(row, as: Int64.self) } ?? 0
        return Int(head)
    }

    /// Adds entries of `door`'s chain (kept when already there).
    func addAudit(_ entries: [(seq: Int, sealed: [UInt8])], door: String) async throws(FleetError) {
        guard !entries.isEmpty else { return }
        try await rows(
            """
            INSERT INTO fleet_audit (door_id, seq, sealed)
            SELECT \(door), a.seq, a.sealed
            FROM unnest(\(entries.map { Int64($0.seq) })::bigint[], \(entries.map { ByteBuffer(bytes: $0.sealed) })::bytea[]) AS a(seq, sealed)
            ON CONFLICT (door_id, seq) DO NOTHING
            """, doing: "record the audit chain on")
    }

    func putAuditKey(_ sealed: [UInt8], door: String) async throws(FleetError) {
        try await rows(
            """
            INSERT INTO fleet_audit_key (door_id, sealed) VALUES (\(door), \(ByteBuffer(bytes: sealed)))
            ON CONFLICT (door_id) DO UPDATE SET sealed = EXCLUDED.sealed
            """, doing: "record the door's audit key on")
    }

    /// Every door's sealed audit key, by door.
    func auditKeys() async throws(FleetError) -> [String: [UInt8]] {
        let rows = try await rows("SELECT door_id, sealed FROM fleet_audit_key", doing: "read the audit keys of")
        var keys: [String: [UInt8]] = [:]
        for row in rows {
            let (door, sealed) = try decode(row, as: (String, ByteBuffer).self)
            keys[door] = Array(sealed.readableBytesView)
        }
        return keys
    }

    /// `door`'s sealed entries after `seq`, oldest first, at most `limit`.
    func audit(of door: String, after seq: Int, limit: Int) async throws(FleetError) -> [(seq: Int, sealed: [UInt8])] {
        try await rows(
            "SELECT seq, sealed FROM fleet_audit WHERE door_id = \(door) AND seq > \(Int64(seq)) ORDER BY seq LIMIT \(limit)",
            doing: "read the audit chains of"
        ).map { row throws(FleetError) in
            let (seq, sealed) = try decode(row, as: (Int64, ByteBuffer).self)
            return (Int(seq), Array(sealed.readableBytesView))
        }
    }
}
