/// What one connection to the hub has learnt: the subjects the hub holds or has
/// erased, the erasures given to it, and when the audit log was last given. Used by one task at a time (the session's
/// sync loop), and thrown away with the connection, so a reconnect starts afresh.
final class SyncSession: @unchecked Sendable {
    var known = Set<String>()
    /// The members of `known` another door enrolled, read from the hub before this
    /// session's first push and kept up by every page pulled after it; nil until then.
    var enrolledElsewhere: Set<String>?
    var given = Set<String>()
    /// Partial withdrawals given or read, as "subject|purpose".
    var withdrawals = Set<String>()
    /// When this door's audit chain was last brought up to date on the hub.
    var auditGivenAt = -Double.infinity
    var auditKeyGiven = false
    /// The hub refused the audit chain (its role lacks the table): not asked again.
    var auditRefused = false
    /// The hub's last sequence number before its rows were signed: an unsigned row up
    /// to it is from before the upgrade (waiting for a door to sign it), after it a forgery.
    var signedFrom: Int64 = 0
    /// Set when the hub was found restored and the door reads it again from the start:
    /// up to this sequence number, rows the door applied before are met again, and
    /// skipped without alarm.
    var rereadThrough: Int64 = 0
    /// The doors' verification keys, opened from the hub with the fleet key.
    var doorKeys: [String: [UInt8]] = [:]
    /// The row this door stopped at because its door's key is missing (`Verdict.wait`),
    /// recorded once.
    var waitingAt: Int64?
    /// The erasures verified during the current sync (their hub numbers, times and
    /// doors), for the key epochs (`settleErasures`).
    var erasuresSeen: [(seq: Int64, at: Double, origin: String)] = []
    /// Rows refused during the current sync and their codes, listed on the hub at its end.
    var refusals: [(change: HubChange, code: String)] = []
}
