/// What one connection to the hub has learnt: the subjects the hub holds or has
/// erased, and the erasures given to it. Used by one task at a time (the session's
/// sync loop), and thrown away with the connection, so a reconnect starts afresh.
final class SyncSession: @unchecked Sendable {
    var known = Set<String>()
    var given = Set<String>()
}
