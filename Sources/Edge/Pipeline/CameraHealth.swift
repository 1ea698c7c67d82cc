public import FaceEngine
public import FacegateCore

/// Whether the door's camera is delivering, computed from `PipelineCounters`: up while
/// the pipeline runs, the source has its device (an unplugged camera is down at once,
/// not `upWithinSeconds` later) and a frame arrived in the last `upWithinSeconds`; the frame rate
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

    /// The share of recent frames too dark for enhancement above which the door
    /// "needs light": most of them, so that a passing shadow does not raise it.
    public static let needsLightShare = 0.5

    /// One frame as the health sees it: when it arrived, and how much light it had.
    public struct Frame: Sendable, Equatable {
        public var at: ContinuousClock.Instant
        public var light: FrameLight

        public init(at: ContinuousClock.Instant, light: FrameLight) {
            self.at = at
            self.light = light
        }
    }

    public var up: Bool
    /// Frames per second over the last `recentSeconds`.
    public var framesPerSecond: Double
    /// Nil before the first frame.
    public var secondsSinceLastFrame: Double?
    /// Of the last `recentSeconds`' frames, the share enhanced (0 without frames);
    /// frames too dark are enhanced too, and counted here as well.
    public var enhancedShare: Double
    /// Of the last `recentSeconds`' frames, the share too dark for enhancement to help.
    public var tooDarkShare: Double
    /// Most recent frames are too dark: the door needs a lamp or an infrared camera.
    public var needsLight: Bool { tooDarkShare > Self.needsLightShare }

    /// From the recent frames (any order; those outside the window are ignored);
    /// `connected` is false while the source has lost its device.
    public init(
        running: Bool, connected: Bool = true, recent: [Frame], lastFrame: ContinuousClock.Instant?, now: ContinuousClock.Instant
    ) {
        let since = lastFrame.map { max(0, (now - $0).milliseconds / 1000) }
        secondsSinceLastFrame = since
        up = running && connected && (since.map { $0 <= Self.upWithinSeconds } ?? false)
        let window = recent.filter { (now - $0.at).milliseconds / 1000 <= Self.recentSeconds && $0.at <= now }
        // Over the time the window's frames span, once there are two: a camera that just
        // started is not reported at a tenth of its rate.
        if window.count >= 2, let first = window.map(\.at).min(), let last = window.map(\.at).max(), last > first {
            framesPerSecond = Double(window.count - 1) / ((last - first).milliseconds / 1000)
        } else {
            framesPerSecond = 0
        }
        func share(_ counted: (Frame) -> Bool) -> Double {
            window.isEmpty ? 0 : Double(window.filter(counted).count) / Double(window.count)
        }
        enhancedShare = share { $0.light != .normal }
        tooDarkShare = share { $0.light == .tooDark }
    }

    /// `{"up":…,"fps":…,"last_frame_seconds_ago":…|null,"enhanced_share":…,
    /// "too_dark_share":…,"needs_light":…}` (rounded).
    public var json: JSONValue {
        [
            "up": .bool(up), "fps": .double(Self.rounded(framesPerSecond, 10)),
            "last_frame_seconds_ago": secondsSinceLastFrame.map { .double(Self.rounded($0, 10)) } ?? .null,
            "enhanced_share": .double(Self.rounded(enhancedShare, 1000)),
            "too_dark_share": .double(Self.rounded(tooDarkShare, 1000)), "needs_light": .bool(needsLight),
        ]
    }

    /// What `status` and `doctor` say when the door needs light, from a `camera` block
    /// (`json`), nil when it does not.
    public static func lightWarning(_ camera: JSONValue) -> String? {
        guard camera["needs_light"]?.boolValue == true else { return nil }
        let percent = Int(((camera["too_dark_share"]?.doubleValue ?? 0) * 100).rounded())
        return
            "the door needs light: \(percent)% of recent frames are too dark to find a face, even enhanced; light the faces at the door or use an infrared camera with its illuminator"
    }

    static func rounded(_ value: Double, _ scale: Double) -> Double { (value * scale).rounded() / scale }
}
