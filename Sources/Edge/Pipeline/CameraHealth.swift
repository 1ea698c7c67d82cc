public import FacegateCore

/// Whether the door's camera is delivering, computed from `PipelineCounters`: up while
/// the pipeline runs and a frame arrived in the last `upWithinSeconds`; the frame rate
/// and the share of frames that needed low-light enhancement over the last
/// `recentSeconds` (a lamp gone out shows as a rising share before faces stop being
/// found); the seconds since the last frame. The daemon's `status` answers it as
/// `camera`, and `/metrics` exports `facegate_camera_up` from it.
public struct CameraHealth: Sendable, Equatable {
    /// A frame older than this means the camera is down (a live camera gives several a
    /// second; a file source that has ended gives none).
    public static let upWithinSeconds = 5.0
    /// The window the frame rate and the enhanced share are measured over.
    public static let recentSeconds = 10.0

    /// One frame as the health sees it: when it arrived, and whether it was enhanced.
    public struct Frame: Sendable, Equatable {
        public var at: ContinuousClock.Instant
        public var enhanced: Bool

        public init(at: ContinuousClock.Instant, enhanced: Bool) {
            self.at = at
            self.enhanced = enhanced
        }
    }

    public var up: Bool
    /// Frames per second over the last `recentSeconds`.
    public var framesPerSecond: Double
    /// Nil before the first frame.
    public var secondsSinceLastFrame: Double?
    /// Of the last `recentSeconds`' frames, the share enhanced (0 without frames).
    public var enhancedShare: Double

    /// From the recent frames (any order; those outside the window are ignored).
    public init(running: Bool, recent: [Frame], lastFrame: ContinuousClock.Instant?, now: ContinuousClock.Instant) {
        let since = lastFrame.map { max(0, (now - $0).milliseconds / 1000) }
        secondsSinceLastFrame = since
        up = running && (since.map { $0 <= Self.upWithinSeconds } ?? false)
        let window = recent.filter { (now - $0.at).milliseconds / 1000 <= Self.recentSeconds && $0.at <= now }
        // Over the time the window's frames span, once there are two: a camera that just
        // started is not reported at a tenth of its rate.
        if window.count >= 2, let first = window.map(\.at).min(), let last = window.map(\.at).max(), last > first {
            framesPerSecond = Double(window.count - 1) / ((last - first).milliseconds / 1000)
        } else {
            framesPerSecond = 0
        }
        enhancedShare = window.isEmpty ? 0 : Double(window.filter(\.enhanced).count) / Double(window.count)
    }

    /// `{"up":…,"fps":…,"last_frame_seconds_ago":…|null,"enhanced_share":…}` (rounded).
    public var json: JSONValue {
        [
            "up": .bool(up), "fps": .double(Self.rounded(framesPerSecond, 10)),
            "last_frame_seconds_ago": secondsSinceLastFrame.map { .double(Self.rounded($0, 10)) } ?? .null,
            "enhanced_share": .double(Self.rounded(enhancedShare, 1000)),
        ]
    }

    static func rounded(_ value: Double, _ scale: Double) -> Double { (value * scale).rounded() / scale }
}
