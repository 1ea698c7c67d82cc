public import Consent
public import FaceEngine

/// Where a face is relative to the door zone (`trigger = "zone"` and `"claim"`): a
/// face counts as someone stepping up to the door when its centre is inside the
/// zone, it is at least `minFaceFraction` of the frame's width (close to the camera),
/// and it has stayed so, still, for `dwellFrames` frames. A person walking past moves
/// more than a quarter of their face's width from one frame to the next (at 1.4 m/s
/// and 15 fps a 15 cm face moves about 9 cm, 60 % of its width); a person waiting at
/// the door moves a few percent.
///
/// Pure: the tracker keeps each track's dwell count and asks this type.
public struct DoorGate: Sendable, Equatable {
    public var zone: DoorZone
    public var minFaceFraction: Double
    public var dwellFrames: Int
    /// A face whose centre moves more than this fraction of its width between two
    /// frames is walking, not standing at the door: its dwell starts again.
    public static let maxStepFraction = 0.25

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

    /// Whether `box` is inside the zone and close enough, in a `width`x`height` frame.
    public func admits(_ box: FaceBox, width: Int, height: Int) -> Bool {
        guard width > 0, height > 0 else { return false }
        return zone.contains(x: box.centerX / Double(width), y: box.centerY / Double(height))
            && Double(box.width) >= minFaceFraction * Double(width)
    }

    /// Whether a face that was at `previous` one frame ago and is now at `box` stood still.
    public func isStill(_ box: FaceBox, after previous: FaceBox) -> Bool {
        let dx = box.centerX - previous.centerX, dy = box.centerY - previous.centerY
        return (dx * dx + dy * dy).squareRoot() <= Self.maxStepFraction * Double(max(box.width, previous.width))
    }
}
