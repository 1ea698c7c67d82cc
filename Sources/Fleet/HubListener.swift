import Synchronization

/// The hub's notifications for one session, listened to beside it and never awaited:
/// PostgresNIO (1.33) can leave a `LISTEN` that started as the connection closed
/// waiting forever (vapor/postgres-nio#601), and a session whose task group waited for
/// it never ended, so the door never reconnected: after the hub restarted, two doors
/// that had enrolled the same face offline each kept their own (seen in CI). The
/// session asks `hasEnded` instead, and cancels the listener when it ends.
final class HubListener: Sendable {
    private let ended = Atomic<Bool>(false)
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Starts listening on `hub`, calling `onEach` for each notification.
    init(_ hub: HubConnection, onEach: @escaping @Sendable () -> Void) {
        let started = Task {
            _ = try? await hub.listen(onEach)
            self.ended.store(true, ordering: .relaxed)
        }
        task.withLock { $0 = started }
    }

    /// Whether the listening ended (the connection closed, or the hub refused it).
    var hasEnded: Bool { ended.load(ordering: .relaxed) }

    func cancel() { task.withLock { $0?.cancel() } }
}
