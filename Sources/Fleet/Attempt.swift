import Synchronization

/// The outcome of work the door may stop waiting for: whichever settles it first, the
/// work or the door giving up, wins. A connection (`FleetSync.connect`) that arrives
/// after the limit is closed by its own task; a sync (`FleetSync.bounded`) abandoned on
/// a statement the hub never answers settles nothing that is still read.
final class Attempt<Success: Sendable, Failure: Error>: Sendable {
    private let outcome = Mutex<Result<Success, Failure>?>(nil)

    /// Settles the attempt; false when it was settled already (the caller then owns
    /// what it brought, and closes a connection).
    func settle(_ result: Result<Success, Failure>) -> Bool {
        outcome.withLock { value in
            guard value == nil else { return false }
            value = result
            return true
        }
    }

    var result: Result<Success, Failure>? { outcome.withLock { $0 } }
}
