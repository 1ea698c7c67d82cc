public import Vault

/// How often a stranger at the door would be taken for a member, estimated without
/// strangers: p, the share of pairs of different people's templates closer than the
/// threshold, is the chance that one face falls within the threshold of one subject,
/// and a stranger searched among S subjects has S such chances: FPIR ≈ 1 - (1 - p)^S.
///
/// It assumes strangers look like members as much as members look like each other,
/// that the S chances are independent, and it ignores the door's margin (which turns
/// some of those near misses into no decision): an estimate to size a gallery by, that
/// `evaluate --identification` measures beside it. When no pair is closer than the
/// threshold, p is the rule-of-three bound 3/pairs (95%), not 0; when the gallery has
/// too few pairs to measure p (fewer than 100), p is the one measured on the shared
/// identities set (`sharedIdentities`).
public struct ExpectedFPIR: Sendable, Equatable {
    public enum Source: String, Sendable {
        /// p from the templates of this gallery.
        case gallery
        /// p from `sharedIdentities`, measured once on `../shared/faces/identities`.
        case sharedIdentities = "shared_identities"
    }

    /// One threshold's impostor pairs on the shared identities set.
    public struct Measured: Sendable, Equatable {
        public var threshold: Double
        public var pairs: Int
        public var closer: Int
    }

    public var source: Source
    public var threshold: Double
    /// Pairs of different subjects' templates compared, and how many were closer than
    /// the threshold (at the threshold of `sharedIdentities` used, for that source).
    public var pairs: Int
    public var closer: Int
    /// Subjects a stranger is searched among.
    public var subjects: Int

    /// Fewer pairs than this cannot measure p of about 1e-2.
    public static let minimumPairs = VerificationMetrics.differentPairsNeeded(forFAR: 1e-2)

    /// Different-person pairs of `facegate evaluate --labels identities.csv` on
    /// `../shared/faces/identities` (140 photos of 27 people, every one with a face:
    /// 9,299 pairs), plain descriptors, closer than each threshold: measured once, for
    /// galleries too small to measure their own. At 0.65 and 0.70 one pair lies within
    /// 0.002 of the threshold and is counted (the cautious side).
    public static let sharedIdentities: [Measured] = [
        Measured(threshold: 0.40, pairs: 9_299, closer: 0),
        Measured(threshold: 0.45, pairs: 9_299, closer: 0),
        Measured(threshold: 0.50, pairs: 9_299, closer: 0),
        Measured(threshold: 0.55, pairs: 9_299, closer: 2),
        Measured(threshold: 0.60, pairs: 9_299, closer: 5),
        Measured(threshold: 0.65, pairs: 9_299, closer: 27),
        Measured(threshold: 0.70, pairs: 9_299, closer: 178),
    ]

    public init(source: Source, threshold: Double, pairs: Int, closer: Int, subjects: Int) {
        self.source = source
        self.threshold = threshold
        self.pairs = pairs
        self.closer = closer
        self.subjects = subjects
    }

    /// The estimate for `gallery` searched with `threshold`, among `subjects` subjects
    /// (default: the gallery's): p from the gallery's own templates when it has at least
    /// `minimumPairs` pairs of different subjects, else from `sharedIdentities`.
    public init(gallery: Gallery, threshold: Double, subjects: Int? = nil) {
        let counted = gallery.differentSubjectPairs(closerThan: Float(threshold))
        let subjects = subjects ?? gallery.subjectCount
        if counted.pairs >= Self.minimumPairs {
            self.init(source: .gallery, threshold: threshold, pairs: counted.pairs, closer: counted.closer, subjects: subjects)
        } else {
            self.init(sharedIdentitiesAt: threshold, subjects: subjects)
        }
    }

    /// The estimate from `sharedIdentities` at the first measured threshold at or above
    /// `threshold` (the cautious side), or the highest.
    public init(sharedIdentitiesAt threshold: Double, subjects: Int) {
        let measured = Self.sharedIdentities.first { $0.threshold >= threshold - 1e-9 } ?? Self.sharedIdentities.last!
        self.init(source: .sharedIdentities, threshold: threshold, pairs: measured.pairs, closer: measured.closer, subjects: subjects)
    }

    /// Whether `perSubject` is only an upper bound: no pair was closer than the threshold.
    public var isUpperBound: Bool { closer == 0 }

    /// p: the chance that one face is within the threshold of one subject.
    public var perSubject: Double {
        guard pairs > 0 else { return 1 }
        return closer == 0 ? min(1, 3 / Double(pairs)) : Double(closer) / Double(pairs)
    }

    /// 1 - (1 - p)^S.
    public var fpir: Double { OpenSetEvaluation.expectedRate(perSubject: perSubject, subjects: subjects) }
}
