/// What `OpenSetEvaluation` measured: the 1:1 false-accept rate of claims of another
/// person, the 1:N false-accept rate for each gallery size, and the distances that
/// show whether the synthetic strangers are realistic.
public struct OpenSetReport: Sendable, Equatable {
    /// Where a sample of impostor distances lies: its middle and its close tail, the
    /// part a false-accept rate is made of.
    public struct DistanceSummary: Sendable, Equatable {
        public var count: Int
        public var median: Double
        /// The nearest-rank 1st percentile.
        public var firstPercentile: Double
        /// Distances below the threshold: single-template false accepts.
        public var belowThreshold: Int

        /// Nil for an empty sample.
        public init?(_ distances: [Float], threshold: Double) {
            guard !distances.isEmpty else { return nil }
            let sorted = distances.sorted()
            count = sorted.count
            belowThreshold = sorted.count { Double($0) < threshold }
            median =
                sorted.count % 2 == 1
                ? Double(sorted[sorted.count / 2]) : (Double(sorted[sorted.count / 2 - 1]) + Double(sorted[sorted.count / 2])) / 2
            let rank = Int((0.01 * Double(sorted.count)).rounded(.up)) - 1
            firstPercentile = Double(sorted[max(0, min(sorted.count - 1, rank))])
        }
    }

    /// 1:N with one number of synthetic strangers.
    public struct GalleryResult: Sendable, Equatable {
        public var syntheticSubjects: Int
        /// Subjects in each probe's gallery: the strangers and the other real people.
        public var subjects: Int
        /// Probes searched (those whose person left enough other descriptors to fit).
        public var probes: Int
        public var falseAccepts: Int
        /// Probes whose nearest subject is below the threshold: the false accepts there
        /// would be without the margin, which turns crowded near strangers into no
        /// decision (and would do the same to the probe's own person, were it enrolled).
        public var nearestBelowThreshold: Int
        /// 1 - (1 - p)^subjects, p the 1:1 rate; nil without claims.
        public var expectedFalseAcceptRate: Double?
        /// Probe-to-stranger distances; nil when no stranger was drawn.
        public var strangerDistances: DistanceSummary?
        /// Whether the strangers' median distance is within `comparableTolerance` of
        /// real different-person pairs'; nil when either is missing.
        public var distancesComparable: Bool?

        public var falseAcceptRate: Double? { probes == 0 ? nil : Double(falseAccepts) / Double(probes) }
    }

    public var threshold: Double
    public var margin: Double
    public var seed: UInt64
    public var shrinkage: Double
    /// Descriptors, each one a probe.
    public var probes: Int
    public var people: Int
    /// (probe, other person) claims made.
    public var claims: Int
    public var claimFalseAccepts: Int
    /// Distances of every pair of real descriptors of different people.
    public var realImpostorDistances: DistanceSummary?
    /// Probes left out of 1:N because the other people's descriptors were too few to
    /// fit a distribution to (fewer than two).
    public var probesWithoutFit: Int
    public var galleries: [GalleryResult]

    /// The 1:1 false-accept rate; nil without claims.
    public var claimFalseAcceptRate: Double? { claims == 0 ? nil : Double(claimFalseAccepts) / Double(claims) }

    /// How far (relatively) the median stranger distance may be from the real one for
    /// the two to be called comparable.
    public static let comparableTolerance = 0.1

    static func comparable(_ strangers: DistanceSummary, _ real: DistanceSummary) -> Bool {
        abs(strangers.median - real.median) <= comparableTolerance * real.median
    }
}
