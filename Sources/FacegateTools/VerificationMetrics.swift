/// How well a distance separates same-person pairs from different-person pairs: the
/// numbers a user compares recognisers by.
///
/// A pair is accepted (called "the same person") when its distance is below the
/// threshold, as `facegate compare` decides. Thresholds that the sweep reports lie
/// halfway between two neighbouring distances of the sample, so each one is the
/// middle of the range of thresholds that give the same decisions.
public struct VerificationMetrics: Sendable, Equatable {
    /// One evaluated pair: its distance and whether it really is the same person.
    public struct Score: Sendable, Equatable {
        public var distance: Double
        public var same: Bool

        public init(distance: Double, same: Bool) {
            self.distance = distance
            self.same = same
        }
    }

    /// One point of the ROC curve: at this threshold, the share of different-person
    /// pairs accepted (FAR) and of same-person pairs accepted (TAR).
    public struct ROCPoint: Sendable, Equatable {
        public var threshold: Double
        public var falseAcceptRate: Double
        public var trueAcceptRate: Double
    }

    /// The true-accept rate reachable at a false-accept rate no higher than `targetFAR`.
    /// Nil rates mean the sample cannot measure that FAR: it needs at least
    /// `1 / targetFAR` different-person pairs for a single false accept to count.
    public struct OperatingPoint: Sendable, Equatable {
        public var targetFAR: Double
        /// Different-person pairs needed to measure `targetFAR`.
        public var differentPairsNeeded: Int
        public var trueAcceptRate: Double?
        /// The FAR actually reached (at most `targetFAR`).
        public var falseAcceptRate: Double?
        public var threshold: Double?

        public var isMeasurable: Bool { trueAcceptRate != nil }
    }

    public let samePairs: Int
    public let differentPairs: Int
    public let threshold: Double
    /// Share of pairs decided correctly at `threshold`; nil without pairs.
    public let accuracy: Double?
    /// Share of different-person pairs accepted at `threshold`; nil without any.
    public let falseAcceptRate: Double?
    /// Share of same-person pairs rejected at `threshold`; nil without any.
    public let falseRejectRate: Double?
    /// The threshold with the highest accuracy on this sample (the lowest such
    /// threshold when several tie: fewest false accepts), and that accuracy.
    public let bestThreshold: Double?
    public let bestAccuracy: Double?
    public let operatingPoints: [OperatingPoint]
    /// From "accept nothing" (0, 0) to "accept everything" (1, 1), thresholds rising;
    /// empty unless there are pairs of both kinds.
    public let roc: [ROCPoint]

    public static let defaultFARTargets = [1e-2, 1e-3]

    public init(scores: [Score], threshold: Double, farTargets: [Double] = Self.defaultFARTargets) {
        self.threshold = threshold
        let positives = scores.count(where: \.same)
        let negatives = scores.count - positives
        samePairs = positives
        differentPairs = negatives

        let acceptedSame = scores.count(where: { $0.same && $0.distance < threshold })
        let acceptedDifferent = scores.count(where: { !$0.same && $0.distance < threshold })
        accuracy = scores.isEmpty ? nil : Double(acceptedSame + negatives - acceptedDifferent) / Double(scores.count)
        falseAcceptRate = negatives == 0 ? nil : Double(acceptedDifferent) / Double(negatives)
        falseRejectRate = positives == 0 ? nil : Double(positives - acceptedSame) / Double(positives)

        let sweep = Self.sweep(scores)
        if let best = sweep.max(by: { a, b in
            // Highest accuracy; on a tie the lower threshold, which comes first.
            let correctA = a.acceptedSame + negatives - a.acceptedDifferent
            let correctB = b.acceptedSame + negatives - b.acceptedDifferent
            return correctA < correctB || (correctA == correctB && a.threshold > b.threshold)
        }) {
            bestThreshold = best.threshold
            bestAccuracy = Double(best.acceptedSame + negatives - best.acceptedDifferent) / Double(scores.count)
        } else {
            bestThreshold = nil
            bestAccuracy = nil
        }

        operatingPoints = farTargets.map { target in
            let needed = Self.differentPairsNeeded(forFAR: target)
            guard positives > 0, negatives >= needed else {
                return OperatingPoint(targetFAR: target, differentPairsNeeded: needed)
            }
            // Accepted counts only grow with the threshold: the last step within the
            // FAR budget has the highest TAR.
            let allowed = Int((target * Double(negatives) + 1e-9).rounded(.down))
            let step = sweep.last { $0.acceptedDifferent <= allowed } ?? sweep[0]
            return OperatingPoint(
                targetFAR: target, differentPairsNeeded: needed,
                trueAcceptRate: Double(step.acceptedSame) / Double(positives),
                falseAcceptRate: Double(step.acceptedDifferent) / Double(negatives),
                threshold: step.threshold)
        }

        roc =
            positives == 0 || negatives == 0
            ? []
            : sweep.map {
                ROCPoint(
                    threshold: $0.threshold,
                    falseAcceptRate: Double($0.acceptedDifferent) / Double(negatives),
                    trueAcceptRate: Double($0.acceptedSame) / Double(positives))
            }
    }

    /// Different-person pairs a sample needs before one false accept is at most
    /// `far` of them: 100 for 1e-2, 1000 for 1e-3.
    public static func differentPairsNeeded(forFAR far: Double) -> Int {
        Int((1 / far - 1e-9).rounded(.up))
    }

    /// A threshold and what it accepts.
    struct Step {
        var threshold: Double
        var acceptedSame: Int
        var acceptedDifferent: Int
    }

    /// Every distinct decision a threshold can make on `scores`, thresholds rising:
    /// the smallest distance (accepts nothing), each midpoint between neighbouring
    /// distinct distances, and just above the largest (accepts everything).
    static func sweep(_ scores: [Score]) -> [Step] {
        let sorted = scores.sorted { $0.distance < $1.distance }
        guard let first = sorted.first, let last = sorted.last else { return [] }
        var steps = [Step(threshold: first.distance, acceptedSame: 0, acceptedDifferent: 0)]
        var acceptedSame = 0, acceptedDifferent = 0
        var index = 0
        while index < sorted.count {
            let distance = sorted[index].distance
            while index < sorted.count && sorted[index].distance == distance {
                if sorted[index].same { acceptedSame += 1 } else { acceptedDifferent += 1 }
                index += 1
            }
            var threshold = index < sorted.count ? (distance + sorted[index].distance) / 2 : last.distance.nextUp
            // Neighbours one ulp apart have no midpoint: the threshold must still be above `distance`.
            if threshold <= distance { threshold = distance.nextUp }
            steps.append(Step(threshold: threshold, acceptedSame: acceptedSame, acceptedDifferent: acceptedDifferent))
        }
        return steps
    }
}
