public import FacegateCore
import GRDB
import Vault

/// A door's audit chain for the fleet's hub: the lines of its export after what the
/// hub already holds, a page at a time, each page ending at a checkpoint the door
/// signed, so that every door's chain on the hub verifies on its own, to its last
/// entry, at any other door.
extension ConsentRegistry {
    /// The device's audit public key (the one its checkpoints verify with).
    public var auditPublicKey: [UInt8] { audit.publicKey }

    /// The newest entry's sequence number (0 for an empty log).
    public func auditHeadSeq() throws -> Int {
        try vault.read { db in try AuditLog.head(in: db)?.seq ?? 0 }
    }

    /// The export lines of at most `limit` entries after entry `seq`, grouped by entry
    /// (an entry's line, then the checkpoints signed at it), after signing a checkpoint
    /// at the last of them when there is none. Empty when nothing follows `seq`.
    /// A page also ends before the entry that would take its lines past `maxBytes`
    /// (never before its first): one entry may list a whole adopted page of copies.
    public func fleetAuditChunks(after seq: Int, limit: Int, maxBytes: Int = .max) throws -> [(seq: Int, lines: [String])] {
        try vault.write { db in
            var entries = try AuditLog.entries(after: seq, limit: limit, in: db)
            var bytes = 0
            if let cut = entries.indices.first(where: { index in
                bytes += entries[index].json.serialized.utf8.count
                return index > 0 && bytes > maxBytes
            }) {
                entries.removeSubrange(cut...)
            }
            guard let last = entries.last else { return [] }
            try self.audit.checkpoint(atSeq: last.seq, in: db)
            var pending = try AuditLog.checkpoints(after: seq, in: db).filter { $0.seq <= last.seq }[...]
            return entries.map { entry in
                var lines = [entry.json.serialized]
                while let next = pending.first, next.seq == entry.seq {
                    lines.append(next.json.serialized)
                    pending = pending.dropFirst()
                }
                return (entry.seq, lines)
            }
        }
    }
}
