/// The quality a face must have to become a template, and why one falls short.
extension FaceQuality {
    /// Limits a face must stay within.
    public struct Bar: Sendable, Equatable {
        /// The most a face may be turned left or right, in degrees (`FaceQuality.yaw`).
        public var maxYaw: Double
        /// The least chip sharpness (`FaceQuality.sharpness`).
        public var minSharpness: Double

        public init(maxYaw: Double, minSharpness: Double) {
            self.maxYaw = maxYaw
            self.minSharpness = minSharpness
        }
    }

    /// Enrolment's bar, measured on `../shared/faces` (docs/DESIGN.md, "Missed and turned
    /// faces"): the 140 identity photos are at most 28.6° turned (95th percentile 21°)
    /// and at least 15.2 sharp (1st percentile 23.6); the turned faces of
    /// groups/insightface_t1.jpg are 48.5° and 49.2°; the identity photos box-blurred
    /// (radius 2 px per 300 px of the shorter side) fall to a median of 52 and a 10th
    /// percentile of 9.5. 35° and 12 leave every identity photo a margin.
    public static let enrolmentBar = Bar(maxYaw: 35, minSharpness: 12)

    /// Why a face falls short of a bar.
    public enum Shortfall: Sendable, Equatable {
        /// Turned about this many degrees.
        case turned(degrees: Int)
        case blurred

        /// What is wrong and what to do, for a refusal.
        public var advice: String {
            switch self {
            case .turned(let degrees): "the face is turned about \(degrees)° — use a photo where the person looks at the camera"
            case .blurred: "the photo is blurred — use a sharp photo where the face is at least 100 px wide"
            }
        }
    }

    /// The first way this face falls short of `bar`, nil when it passes.
    public func shortfall(of bar: Bar) -> Shortfall? {
        if yaw > bar.maxYaw { return .turned(degrees: Int((yaw / 5).rounded()) * 5) }
        if sharpness < bar.minSharpness { return .blurred }
        return nil
    }
}
