import Synchronization

/// Calls `done` when `tick()` has been called `count` times, from any thread: how the
/// pipeline's two OS threads tell the async caller they have both finished.
final class Countdown: Sendable {
    private let remaining: Mutex<Int>
    private let done: @Sendable () -> Void

    init(_ count: Int, _ done: @escaping @Sendable () -> Void) {
        remaining = Mutex(count)
        self.done = done
    }

    func tick() {
        if remaining.withLock({ value -> Bool in
            value -= 1
            return value == 0
        }) {
            done()
        }
    }
}
