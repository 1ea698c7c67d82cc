import Consent
import FacegateCore
import Synchronization

/// The door's audit chain on the hub, for the DPO's fleet-wide export: given on
/// connecting and then at most every `auditInterval` while it grows, a page at a time
/// (a long chain reaches the hub over several syncs, each within the sync's time
/// limit), each page ending at a checkpoint the door signs, sealed with the fleet key.
extension FleetSync {
    /// How often a growing audit chain is given to the hub: the fleet's export is at
    /// most this far behind a door that is online.
    static let auditInterval: Double = 10
    /// Entries per page (about 0.5 MB sealed).
    static let auditPage = 1_000
    /// At most this many bytes of export lines per page: an adoption entry lists up to
    /// 500 copies (about 65 KB), and a page must fit the sync's time limit on a slow link.
    static let auditPageBytes = 1 << 20

    func giveAudit(_ hub: HubConnection, session: SyncSession, full: Bool) async throws {
        let now = clock.now()
        guard full || now - session.auditGivenAt >= Self.auditInterval else { return }
        let door = state.withLock { $0.membership.doorID }
        if !session.auditKeyGiven {
            try await hub.putAuditKey(key.seal(registry.auditPublicKey, auditOf: door, seq: nil), door: door)
            session.auditKeyGiven = true
        }
        let held = try await hub.auditHead(of: door)
        guard try registry.auditHeadSeq() > held else {
            session.auditGivenAt = now
            return
        }
        let chunks = try registry.fleetAuditChunks(after: held, limit: Self.auditPage, maxBytes: Self.auditPageBytes)
        let sealed = chunks.map { chunk in
            (seq: chunk.seq, sealed: key.seal(Array(chunk.lines.joined(separator: "\n").utf8), auditOf: door, seq: chunk.seq))
        }
        try await hub.addAudit(sealed, door: door)
        // A full page: more may follow at once, at the next sync. (A page cut at its
        // byte budget waits for the interval: asking whether the head moved instead made
        // a door whose chain grows all the time, each admin command adding an entry,
        // give its chain at every sync.)
        if chunks.count < Self.auditPage { session.auditGivenAt = now }
    }
}
