public import Consent
public import FaceEngine

/// Where a face is relative to the door zone (`trigger = "zone"` and `"claim"`): a
/// face counts as someone stepping up to the door when its centre is inside the
/// zone, it is at least `minFaceFraction` of the frame's width (close to the camera),
/// and it has stayed there, still, for `dwellFrames` frames and at least as long as
/// those frames last at 15 fps.
///
/// "Still" is measured against where the face was when its dwell began, not from
/// frame to frame, and the dwell is also a time, so that neither a fast camera nor a
/// slow walker gets through: a face must stay within `stillRadius` face-widths of
/// that point, and within `stillGrowth` of its width then, for `minimumSeconds`. The
/// width is what tells someone walking straight at the camera (whose face grows while
/// its centre barely moves) from someone who has stopped: asking means stopping. With
/// the defaults (0.15 widths, 10 % of the width, 9 frames = 0.53 s) only a face moving
/// slower than about 0.3 widths a second (4 cm/s) sideways, or approaching slower than
/// about 10 cm/s at 0.6 m, qualifies: a person walking past moves about 9 widths a
/// second, a person walking up grows by a third of its width or more in half a second,
/// a person waiting at the door moves a fraction of a width, and the detector's own
/// jitter (a few pixels) does not add up.
///
/// Pure: the tracker keeps each track's dwell and asks this type.
public struct DoorGate: Sendable, Equatable {
    public var zone: DoorZone
    public var minFaceFraction: Double
    public var dwellFrames: Int
    /// How far (in widths of the face) a face may move from where its dwell began.
    public static let stillRadius = 0.15
    /// How much a face's width may change from its width when its dwell began: more is
    /// someone still walking towards (or away from) the camera.
    public static let stillGrowth = 0.10
    /// The frame rate `zone_dwell_frames` is counted at: a faster camera must keep the
    /// face still for as long as these frames last, not merely as many frames.
    public static let referenceFrameRate = 15.0

    public init(zone: DoorZone, minFaceFraction: Double, dwellFrames: Int) {
        self.zone = zone
        self.minFaceFraction = minFaceFraction
        self.dwellFrames = max(1, dwellFrames)
    }

    /// The gate a policy's recognition section asks for; nil under `always` (every face
    /// above `min_face_px` is processed).
    public init?(policy: Policy.Recognition) {
        guard policy.trigger != .always else { return nil }
        self.init(zone: policy.zone, minFaceFraction: policy.zoneMinFaceFraction, dwellFrames: policy.zoneDwellFrames)
    }

    /// The shortest dwell, first frame to last: `dwellFrames` at 15 fps.
    public var minimumSeconds: Double { Double(dwellFrames - 1) / Self.referenceFrameRate }

    /// Whether `box` is inside the zone and close enough, in a `width`x`height` frame.
    public func admits(_ box: FaceBox, width: Int, height: Int) -> Bool {
        guard width > 0, height > 0 else { return false }
        return zone.contains(x: box.centerX / Double(width), y: box.centerY / Double(height))
            && Double(box.width) >= minFaceFraction * Double(width)
    }

    /// Whether a face now at `box` is still where its dwell began (`anchor`: its centre
    /// and width then): not moved across, and not grown or shrunk.
    public func isStill(_ box: FaceBox, since anchor: (x: Double, y: Double, width: Double)) -> Bool {
        let dx = box.centerX - anchor.x, dy = box.centerY - anchor.y
        return (dx * dx + dy * dy).squareRoot() <= Self.stillRadius * Double(box.width)
            && abs(Double(box.width) - anchor.width) <= Self.stillGrowth * anchor.width
    }

    /// Whether a dwell of `frames` frames over `seconds` (first to last) is enough.
    public func hasDwelt(frames: Int, seconds: Double) -> Bool {
        frames >= dwellFrames && seconds >= minimumSeconds - 1e-6
    }
}
