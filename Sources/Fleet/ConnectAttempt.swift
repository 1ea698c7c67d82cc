import Synchronization

/// The outcome of one connection attempt that the door may stop waiting for
/// (`FleetSync.connect`): whichever settles it first, the connection or the time limit,
/// wins; a connection that arrives after the limit is closed by its own task.
final class ConnectAttempt: Sendable {
    private let outcome = Mutex<Result<HubConnection, FleetError>?>(nil)

    /// Settles the attempt; false when it was settled already (the caller then owns
    /// what it brought, and closes a connection).
    func settle(_ result: Result<HubConnection, FleetError>) -> Bool {
        outcome.withLock { value in
            guard value == nil else { return false }
            value = result
            return true
        }
    }

    var result: Result<HubConnection, FleetError>? { outcome.withLock { $0 } }
}
