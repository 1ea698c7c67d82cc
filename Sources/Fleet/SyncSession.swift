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
}
