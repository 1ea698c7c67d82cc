/// Wall-clock time, as seconds since the Unix epoch. Retention, consent expiry and
/// review dates are computed from it; tests pass a `ManualWallClock` to move time.
public protocol WallClock: Sendable {
    func now() -> Double
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Double { Timestamp.now() }
}
