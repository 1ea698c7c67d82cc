/// Open-set identification figures as NIST's FRVT 1:N reports them: how often a
/// stranger's search returns a candidate (FPIR), how often a member's search does not
/// return the member (FNIR), both at the door's threshold and at a target FPIR, the
/// closed-set rank-1 accuracy, and the DET curve between them.
///
/// Built from one `Search` per probe, so that the arithmetic can be checked on
/// hand-made searches without faces.
public struct IdentificationReport: Sendable, Equatable {
    /// What one probe's search of the gallery found: all the figures need.
    public struct Search: Sendable, Equatable {
        /// Whether the probe's person is enrolled (a mated search).
        public var mated: Bool
        /// The nearest subject's distance; nil when the gallery is empty.
        public var nearest: Double?
        /// Whether the nearest subject is the probe's own person (never, unmated).
        public var nearestIsOwn: Bool
        /// Whether the nearest subject beats the second by the door's margin (or there
        /// is no second): without that the door decides nothing at any threshold.
        public var clearOfRunnerUp: Bool

        public init(mated: Bool, nearest: Double?, nearestIsOwn: Bool, clearOfRunnerUp: Bool) {
            self.mated = mated
            self.nearest = nearest
            self.nearestIsOwn = nearestIsOwn
            self.clearOfRunnerUp = clearOfRunnerUp
        }

        /// Whether the door names someone at `threshold`: the nearest is below it and clear.
        public func returnsCandidate(at threshold: Double) -> Bool {
            guard let nearest else { return false }
            return clearOfRunnerUp && nearest < threshold
        }

        /// Whether the door names the probe's own person at `threshold`.
        public func returnsOwnPerson(at threshold: Double) -> Bool { nearestIsOwn && returnsCandidate(at: threshold) }
    }

    /// One point of the DET curve.
    public struct DETPoint: Sendable, Equatable {
        public var threshold: Double
        public var fpir: Double
        public var fnir: Double
    }

    /// The threshold that keeps FPIR at or below a target, and the FNIR there. Nil
    /// values when there are too few unmated searches to measure the target (one
    /// false positive must be at most the target) or no mated ones.
    public struct OperatingPoint: Sendable, Equatable {
        public var targetFPIR: Double
        /// Unmated searches needed to measure `targetFPIR`.
        public var unmatedNeeded: Int
        public var threshold: Double?
        public var fpir: Double?
        public var fnir: Double?

        public var isMeasurable: Bool { threshold != nil }
    }

    /// Who took part, for the reader: the gallery and the probes.
    public struct Setup: Sendable, Equatable {
        public var enrolledPeople: Int
        public var notEnrolledPeople: Int
        public var syntheticSubjects: Int
        public var threshold: Double
        public var margin: Double
        public var seed: UInt64
        /// Jittered copies each gallery template averaged (0: plain).
        public var jitter: Int
        /// Photos each enrolled person was enrolled from (one template each).
        public var enrolPhotos: Int

        public init(
            enrolledPeople: Int, notEnrolledPeople: Int, syntheticSubjects: Int, threshold: Double, margin: Double, seed: UInt64,
            jitter: Int, enrolPhotos: Int = 1
        ) {
            self.enrolledPeople = enrolledPeople
            self.notEnrolledPeople = notEnrolledPeople
            self.syntheticSubjects = syntheticSubjects
            self.threshold = threshold
            self.margin = margin
            self.seed = seed
            self.jitter = jitter
            self.enrolPhotos = enrolPhotos
        }

        /// Subjects in the gallery: the enrolled people and the synthetic strangers.
        public var gallerySubjects: Int { enrolledPeople + syntheticSubjects }
    }

    public var setup: Setup
    public var matedSearches: Int
    public var unmatedSearches: Int
    /// Unmated searches that returned a candidate at the threshold.
    public var falsePositives: Int
    /// Mated searches that did not return their own person at the threshold.
    public var falseNegatives: Int
    /// Mated searches whose nearest subject is their own person (threshold ignored).
    public var rank1Hits: Int
    public var atTarget: OperatingPoint
    /// From "returns nothing" (FPIR 0, FNIR 1) up, thresholds rising; empty without
    /// searches of both kinds.
    public var det: [DETPoint]
    /// The estimate `doctor` gives for this gallery (from its real templates), to set
    /// beside the measured FPIR; nil without two real subjects.
    public var expected: ExpectedFPIR?

    public var fpir: Double? { unmatedSearches == 0 ? nil : Double(falsePositives) / Double(unmatedSearches) }
    public var fnir: Double? { matedSearches == 0 ? nil : Double(falseNegatives) / Double(matedSearches) }
    /// Where the true FPIR and FNIR lie (95%, Wilson), nil without searches of that kind.
    public var fpirInterval: WilsonInterval? { WilsonInterval(successes: falsePositives, trials: unmatedSearches) }
    public var fnirInterval: WilsonInterval? { WilsonInterval(successes: falseNegatives, trials: matedSearches) }
    public var rank1Accuracy: Double? { matedSearches == 0 ? nil : Double(rank1Hits) / Double(matedSearches) }

    public static let defaultTargetFPIR = 1e-2

    public init(searches: [Search], setup: Setup, targetFPIR: Double = Self.defaultTargetFPIR, expected: ExpectedFPIR? = nil) {
        self.setup = setup
        self.expected = expected
        let mated = searches.filter(\.mated)
        let unmated = searches.filter { !$0.mated }
        matedSearches = mated.count
        unmatedSearches = unmated.count
        falsePositives = unmated.count { $0.returnsCandidate(at: setup.threshold) }
        falseNegatives = mated.count { !$0.returnsOwnPerson(at: setup.threshold) }
        rank1Hits = mated.count(where: \.nearestIsOwn)

        // A search that can never be a hit (mated) or a false positive (unmated), at any
        // threshold, is left out of the sweep but counts in the rates' denominators.
        let scores = searches.compactMap { search -> VerificationMetrics.Score? in
            guard let nearest = search.nearest, search.clearOfRunnerUp, !search.mated || search.nearestIsOwn else { return nil }
            return VerificationMetrics.Score(distance: nearest, same: search.mated)
        }
        let steps = VerificationMetrics.sweep(scores)
        let (matedCount, unmatedCount) = (mated.count, unmated.count)
        func point(_ step: VerificationMetrics.Step) -> DETPoint {
            DETPoint(
                threshold: step.threshold, fpir: Double(step.acceptedDifferent) / Double(unmatedCount),
                fnir: 1 - Double(step.acceptedSame) / Double(matedCount))
        }
        det = matedCount == 0 || unmatedCount == 0 ? [] : steps.map(point)

        let needed = VerificationMetrics.differentPairsNeeded(forFAR: targetFPIR)
        atTarget = OperatingPoint(targetFPIR: targetFPIR, unmatedNeeded: needed)
        if matedCount > 0, unmatedCount >= needed {
            let allowed = Int((targetFPIR * Double(unmatedCount) + 1e-9).rounded(.down))
            // Returned candidates only grow with the threshold: the last step within the
            // budget has the lowest FNIR.
            if let step = steps.last(where: { $0.acceptedDifferent <= allowed }) {
                let found = point(step)
                atTarget.threshold = found.threshold
                atTarget.fpir = found.fpir
                atTarget.fnir = found.fnir
            } else {
                // Nothing can be returned at all: any threshold, FNIR 1.
                atTarget.threshold = setup.threshold
                atTarget.fpir = 0
                atTarget.fnir = 1
            }
        }
    }
}
