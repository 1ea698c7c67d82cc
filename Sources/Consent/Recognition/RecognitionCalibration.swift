#if canImport(Glibc)
    import Glibc
#endif

/// Measured face distances the door derives its rule from: how far apart two photos
/// of different people fall (impostor pairs) and two photos of one person (genuine
/// pairs), as histograms of `binWidth`-wide bins from 0. Data with provenance and a
/// version, not images: `RecognitionCalibration.shipped` is measured once by
/// `facegate evaluate --labels … --write-calibration` and committed.
///
/// From them, for a gallery of N members searched with a threshold t and a margin m
/// (the door's rule: the nearest below t and m ahead of the second), assuming a
/// stranger's distances to the N members are independent draws of the impostor
/// distribution F:
///
/// - a stranger is named as a member (FPIR) when the nearest of N impostor distances
///   is d < t and the second is at least d + m: ∫₀ᵗ N f(d) (1 − F(d + m))^(N−1) dd;
/// - a member is named (1 − FNIR) when their own distance x is below t and every one
///   of the other N − 1 members is at least x + m away: ∫₀ᵗ g(x) (1 − F(x + m))^(N−1) dx.
///
/// A histogram cannot say how rare a distance no pair reached is: below the first
/// `tailCount` impostor pairs F is extrapolated on a straight line in log F (an
/// exponential tail) fitted to the measured lower tail, never below it. The rule is
/// then only as good as that line: the table's provenance says how many people it
/// saw, and `evaluate --gallery-sizes` measures the rule it gives on real strangers.
public struct RecognitionCalibration: Sendable, Equatable {
    public var version: String
    /// Where the distances come from: the photo set, its licence, how many people and
    /// pairs, what was held out, the detector and the command that measured them.
    public var provenance: String
    public var binWidth: Double
    /// Pairs of different people per bin; the last bin holds everything beyond.
    public var impostorCounts: [Int]
    /// Pairs of the same person per bin; the last bin holds everything beyond.
    public var genuineCounts: [Int]

    /// Impostor pairs below the distance where the fitted tail takes over.
    public static let tailCount = 30

    public init(version: String, provenance: String, binWidth: Double, impostorCounts: [Int], genuineCounts: [Int]) {
        precondition(binWidth > 0 && !impostorCounts.isEmpty && impostorCounts.count == genuineCounts.count, "two histograms of one grid")
        self.version = version
        self.provenance = provenance
        self.binWidth = binWidth
        self.impostorCounts = impostorCounts
        self.genuineCounts = genuineCounts
        let total = impostorCounts.reduce(0, +)
        impostorTotal = total
        genuineTotal = genuineCounts.reduce(0, +)
        var below = [Int](repeating: 0, count: impostorCounts.count + 1)
        for (index, count) in impostorCounts.enumerated() { below[index + 1] = below[index] + count }
        impostorBelowEdge = below
        tail = Self.fitTail(below: below, total: total, binWidth: binWidth)
        var genuineBelow = [Int](repeating: 0, count: genuineCounts.count + 1)
        for (index, count) in genuineCounts.enumerated() { genuineBelow[index + 1] = genuineBelow[index] + count }
        genuineBelowEdge = genuineBelow
    }

    public let impostorTotal: Int
    public let genuineTotal: Int
    /// Impostor pairs below each bin edge (edge i at i × binWidth).
    let impostorBelowEdge: [Int]
    /// Genuine pairs below each bin edge.
    let genuineBelowEdge: [Int]
    /// log(F) = intercept + slope × d below `start`.
    let tail: Tail

    struct Tail: Sendable, Equatable {
        var start: Double
        var intercept: Double
        var slope: Double
    }

    /// A straight line in log F through the measured lower tail: least squares over
    /// the bin edges where F is measured by `tailCount` to 20 × `tailCount` pairs,
    /// its slope no steeper than the steepest measured there (a steeper line would
    /// promise rarer look-alikes than anything seen).
    static func fitTail(below: [Int], total: Int, binWidth: Double) -> Tail {
        guard total > 0 else { return Tail(start: 0, intercept: 0, slope: 0) }
        let n = Double(total)
        var xs: [Double] = []
        var ys: [Double] = []
        for (edge, count) in below.enumerated() where count >= tailCount && count <= 20 * tailCount {
            xs.append(Double(edge) * binWidth)
            ys.append(log(Double(count) / n))
        }
        let startEdge = below.firstIndex { $0 >= tailCount } ?? (below.count - 1)
        let start = Double(startEdge) * binWidth
        let atStart = log(Double(max(1, below[startEdge])) / n)
        guard xs.count >= 2 else {
            // Too few pairs for a slope: a flat tail, the cautious extreme.
            return Tail(start: start, intercept: atStart, slope: 0)
        }
        let mx = xs.reduce(0, +) / Double(xs.count)
        let my = ys.reduce(0, +) / Double(ys.count)
        var sxy = 0.0
        var sxx = 0.0
        for (x, y) in zip(xs, ys) {
            sxy += (x - mx) * (y - my)
            sxx += (x - mx) * (x - mx)
        }
        var slope = sxx > 0 ? max(0, sxy / sxx) : 0
        var steepest = 0.0
        for i in 1..<xs.count where xs[i] > xs[i - 1] { steepest = max(steepest, (ys[i] - ys[i - 1]) / (xs[i] - xs[i - 1])) }
        slope = min(slope, steepest)
        // Through the measured point where the tail starts.
        return Tail(start: start, intercept: atStart - slope * start, slope: slope)
    }

    /// F(d): the share of impostor pairs closer than `distance`.
    public func impostorRate(below distance: Double) -> Double {
        guard impostorTotal > 0 else { return 1 }
        guard distance > 0 else { return 0 }
        if distance < tail.start { return min(1, exp(tail.intercept + tail.slope * distance)) }
        let position = distance / binWidth
        let edge = Int(position.rounded(.down))
        guard edge < impostorCounts.count else { return 1 }
        // Linear within a bin.
        let inside = position - Double(edge)
        let below = Double(impostorBelowEdge[edge]) + inside * Double(impostorCounts[edge])
        return min(1, below / Double(impostorTotal))
    }

    /// The share of genuine pairs at `distance` or farther.
    public func genuineRate(atOrAbove distance: Double) -> Double {
        guard genuineTotal > 0 else { return 1 }
        guard distance > 0 else { return 1 }
        let position = distance / binWidth
        let edge = Int(position.rounded(.down))
        guard edge < genuineCounts.count else { return 0 }
        // Linear within a bin.
        let below = Double(genuineBelowEdge[edge]) + (position - Double(edge)) * Double(genuineCounts[edge])
        return max(0, 1 - below / Double(genuineTotal))
    }

    /// Integration step: a fifth of a bin.
    var step: Double { binWidth / 5 }

    /// The share of strangers a gallery of `members` names as a member (FPIR).
    public func expectedFPIR(members: Int, threshold: Double, margin: Double) -> Double {
        guard members > 0, threshold > 0 else { return 0 }
        let n = Double(members)
        var total = 0.0
        var d = 0.0
        while d < threshold {
            let next = min(threshold, d + step)
            let density = impostorRate(below: next) - impostorRate(below: d)
            if density > 0 {
                let clear = 1 - impostorRate(below: (d + next) / 2 + margin)
                total += n * density * pow(max(0, clear), n - 1)
            }
            d = next
        }
        return min(1, total)
    }

    /// The share of a member's searches that do not name them (FNIR) in a gallery of
    /// `members`.
    public func expectedFNIR(members: Int, threshold: Double, margin: Double) -> Double {
        guard members > 0, genuineTotal > 0 else { return 1 }
        let others = Double(members - 1)
        var hit = 0.0
        var x = 0.0
        while x < threshold {
            let next = min(threshold, x + step)
            let mass = genuineRate(atOrAbove: x) - genuineRate(atOrAbove: next)
            if mass > 0 {
                let clear = 1 - impostorRate(below: (x + next) / 2 + margin)
                hit += mass * pow(max(0, clear), others)
            }
            x = next
        }
        return max(0, min(1, 1 - hit))
    }

    /// The share of claims (1:1) by a person who is not the card's holder that a
    /// threshold accepts: one comparison with each of the holder's `templates`
    /// templates per attempt, the nearest deciding: 1 − (1 − F(t))^templates.
    public func claimFalseAcceptRate(threshold: Double, templates: Int = 1) -> Double {
        1 - pow(1 - impostorRate(below: threshold), Double(max(1, templates)))
    }

    /// The distance below which enrolment takes a new face for one of `members`
    /// members: where a different person would come that close to any of them by
    /// chance at most once in `1 / chance` enrolments. Closer than that it is really
    /// likely the same person; farther, a refusal would turn away a new member as
    /// someone they are not (with dlib's 0.6, 128 of 307 new people in a venue of a few
    /// hundred were).
    public func duplicateThreshold(members: Int, chance: Double = Self.duplicateChance) -> Double {
        var low = 0.0
        var high = 1.0
        for _ in 0..<30 {
            let middle = (low + high) / 2
            if expectedFPIR(members: max(1, members), threshold: middle, margin: 0) <= chance { low = middle } else { high = middle }
        }
        return low
    }

    /// One enrolment in a thousand may take a new person for a member: then an admin
    /// confirms two different people (`different_from`), audited.
    public static let duplicateChance = 1e-3
}
