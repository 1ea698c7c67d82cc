public import FacegateCore
import Synchronization

/// A clock that moves only when told to: for tests of expiry and retention.
public final class ManualWallClock: WallClock {
    private let current: Mutex<Double>

    public init(_ start: Double = 1_767_225_600) {  // 2026-01-01T00:00:00Z
        current = Mutex(start)
    }

    public func now() -> Double { current.withLock { $0 } }

    public func advance(by seconds: Double) { current.withLock { $0 += seconds } }
    public func advance(days: Double) { advance(by: days * 86_400) }
    public func set(_ seconds: Double) { current.withLock { $0 = seconds } }
}
