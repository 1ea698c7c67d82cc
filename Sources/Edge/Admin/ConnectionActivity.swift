import Synchronization

/// Whether a connection's request is being worked on.
final class ConnectionActivity: Sendable {
    private let busy = Atomic<Int>(0)
    func begin() { busy.add(1, ordering: .sequentiallyConsistent) }
    func end() { busy.subtract(1, ordering: .sequentiallyConsistent) }
    var isBusy: Bool { busy.load(ordering: .sequentiallyConsistent) > 0 }
}
