import Synchronization

/// The policy in force, shared by the registry and its components: a reload
/// replaces it for all of them at once.
final class CurrentPolicy: Sendable {
    private let value: Mutex<Policy>

    init(_ policy: Policy) {
        value = Mutex(policy)
    }

    var policy: Policy { value.withLock { $0 } }

    func replace(with policy: Policy) {
        value.withLock { $0 = policy }
    }
}
