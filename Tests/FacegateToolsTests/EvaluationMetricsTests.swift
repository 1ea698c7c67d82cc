import FaceEngine
import FacegateCore
import FacegateTestSupport
import FacegateTools
import Testing

/// The verification metrics on distance lists small enough to work out by hand.
@Suite("Verification metrics", .perTestLimit)
struct EvaluationMetricsTests {
    typealias Score = VerificationMetrics.Score

    /// Same person at 0.2, 0.4, 0.7; different people at 0.5, 0.8, 0.9.
    static let sixPairs: [Score] = [
        Score(distance: 0.2, same: true), Score(distance: 0.4, same: true), Score(distance: 0.7, same: true),
        Score(distance: 0.5, same: false), Score(distance: 0.8, same: false), Score(distance: 0.9, same: false),
    ]

    private func close(_ a: Double?, _ b: Double, tolerance: Double = 1e-12) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance
    }

    @Test("accuracy, FAR and FRR at the threshold")
    func atThreshold() {
        // At 0.6: 0.2 and 0.4 accepted (right), 0.7 rejected (a false reject), 0.5
        // accepted (a false accept), 0.8 and 0.9 rejected (right): 4 of 6 correct.
        let metrics = VerificationMetrics(scores: Self.sixPairs, threshold: 0.6)
        #expect(metrics.samePairs == 3 && metrics.differentPairs == 3)
        #expect(close(metrics.accuracy, 4.0 / 6))
        #expect(close(metrics.falseAcceptRate, 1.0 / 3))
        #expect(close(metrics.falseRejectRate, 1.0 / 3))

        // At 0.45 only the two closest same-person pairs are accepted: 5 of 6, no false accept.
        let stricter = VerificationMetrics(scores: Self.sixPairs, threshold: 0.45)
        #expect(close(stricter.accuracy, 5.0 / 6))
        #expect(stricter.falseAcceptRate == 0)
        #expect(close(stricter.falseRejectRate, 1.0 / 3))
    }

    @Test("a distance equal to the threshold is rejected, as `compare` decides")
    func thresholdIsExclusive() {
        let metrics = VerificationMetrics(scores: [Score(distance: 0.6, same: true), Score(distance: 0.6, same: false)], threshold: 0.6)
        #expect(metrics.falseRejectRate == 1)
        #expect(metrics.falseAcceptRate == 0)
    }

    @Test("the best threshold is the lowest of those with the highest accuracy")
    func bestThreshold() {
        // Sorted: 0.2s 0.4s 0.5d 0.7s 0.8d 0.9d. Correct decisions by threshold:
        // 0.2→3, 0.3→4, 0.45→5, 0.6→4, 0.75→5, 0.85→4, above 0.9→3.
        // 0.45 and 0.75 tie at 5/6; the lower one has fewer false accepts.
        let metrics = VerificationMetrics(scores: Self.sixPairs, threshold: 0.6)
        #expect(close(metrics.bestThreshold, 0.45))
        #expect(close(metrics.bestAccuracy, 5.0 / 6))
    }

    @Test("TAR at FAR is n/a when there are too few different-person pairs to measure that FAR")
    func tarAtFARNeedsEnoughNegatives() {
        let metrics = VerificationMetrics(scores: Self.sixPairs, threshold: 0.6)
        #expect(metrics.operatingPoints.map(\.targetFAR) == [1e-2, 1e-3])
        #expect(metrics.operatingPoints.map(\.differentPairsNeeded) == [100, 1000])
        #expect(metrics.operatingPoints.allSatisfy { !$0.isMeasurable && $0.threshold == nil })
        #expect(VerificationMetrics.differentPairsNeeded(forFAR: 1e-2) == 100)
        #expect(VerificationMetrics.differentPairsNeeded(forFAR: 0.05) == 20)
    }

    @Test("TAR at FAR 1e-2 with 100 different-person pairs allows exactly one false accept")
    func tarAtFAROnePercent() {
        // Same person: 0.1 0.2 0.4 0.5. Different: 0.3, 0.35 and 98 at 0.9.
        // FAR <= 1/100 allows one false accept: accept below the midpoint of 0.3 and
        // 0.35 (0.1, 0.2 and the false 0.3), TAR 2/4. Taking 0.35 too would be 2/100.
        var scores = [0.1, 0.2, 0.4, 0.5].map { Score(distance: $0, same: true) }
        scores += [0.3, 0.35].map { Score(distance: $0, same: false) }
        scores += Array(repeating: Score(distance: 0.9, same: false), count: 98)
        let metrics = VerificationMetrics(scores: scores, threshold: 0.6)
        let onePercent = metrics.operatingPoints[0]
        #expect(onePercent.isMeasurable)
        #expect(onePercent.trueAcceptRate == 0.5)
        #expect(onePercent.falseAcceptRate == 0.01)
        #expect(close(onePercent.threshold, 0.325))
        // 100 different-person pairs cannot measure 1e-3.
        #expect(!metrics.operatingPoints[1].isMeasurable)
    }

    @Test("TAR at FAR 1e-3 becomes measurable with 1000 different-person pairs")
    func tarAtFAROnePerMille() {
        // Same person: 0.1 and 0.5. Different: 0.3 and 999 at 0.9. One false accept is
        // allowed: everything below the midpoint of 0.5 and 0.9 is accepted, TAR 1.
        var scores = [Score(distance: 0.1, same: true), Score(distance: 0.5, same: true), Score(distance: 0.3, same: false)]
        scores += Array(repeating: Score(distance: 0.9, same: false), count: 999)
        let metrics = VerificationMetrics(scores: scores, threshold: 0.6)
        let perMille = metrics.operatingPoints[1]
        #expect(perMille.isMeasurable)
        #expect(perMille.trueAcceptRate == 1)
        #expect(perMille.falseAcceptRate == 0.001)
        #expect(close(perMille.threshold, 0.7))
        // Zero false accepts allowed at a stricter target: only 0.1 is below 0.3.
        let strict = VerificationMetrics(scores: scores, threshold: 0.6, farTargets: [1e-4])
        #expect(!strict.operatingPoints[0].isMeasurable, "1e-4 needs 10000 different-person pairs")
    }

    @Test("the ROC runs from (0, 0) to (1, 1) with both rates never decreasing")
    func rocIsMonotonic() throws {
        var generator = SplitMix64(seed: 7)
        let scores = (0..<500).map { index -> Score in
            let same = index % 3 != 0
            let distance = same ? Double.random(in: 0.2...0.7, using: &generator) : Double.random(in: 0.45...1.1, using: &generator)
            return Score(distance: (distance * 100).rounded() / 100, same: same)  // ties on purpose
        }
        let roc = VerificationMetrics(scores: scores, threshold: 0.6).roc
        let first = try #require(roc.first), last = try #require(roc.last)
        #expect(first.falseAcceptRate == 0 && first.trueAcceptRate == 0)
        #expect(last.falseAcceptRate == 1 && last.trueAcceptRate == 1)
        for (a, b) in zip(roc, roc.dropFirst()) {
            #expect(a.threshold < b.threshold)
            #expect(a.falseAcceptRate <= b.falseAcceptRate)
            #expect(a.trueAcceptRate <= b.trueAcceptRate)
        }
        // One point per distinct distance, plus "accept nothing".
        #expect(roc.count == Set(scores.map(\.distance)).count + 1)
    }

    @Test("the ROC points agree with the rates at their own thresholds")
    func rocMatchesThresholds() {
        let metrics = VerificationMetrics(scores: Self.sixPairs, threshold: 0.6)
        #expect(metrics.roc.count == 7)
        for point in metrics.roc {
            let at = VerificationMetrics(scores: Self.sixPairs, threshold: point.threshold)
            #expect(at.falseAcceptRate == point.falseAcceptRate)
            #expect(close(at.falseRejectRate, 1 - point.trueAcceptRate))
        }
        #expect(metrics.rocCSV.hasPrefix("threshold,far,tar\n"))
        #expect(metrics.rocCSV.split(separator: "\n").count == 8)
    }

    @Test("only one kind of pair, or none: what cannot be measured is nil")
    func degenerateSamples() {
        let sameOnly = VerificationMetrics(scores: [Score(distance: 0.3, same: true), Score(distance: 0.7, same: true)], threshold: 0.6)
        #expect(sameOnly.accuracy == 0.5)
        #expect(sameOnly.falseAcceptRate == nil)
        #expect(sameOnly.falseRejectRate == 0.5)
        #expect(sameOnly.roc.isEmpty)
        #expect(sameOnly.operatingPoints.allSatisfy { !$0.isMeasurable })

        let empty = VerificationMetrics(scores: [], threshold: 0.6)
        #expect(empty.accuracy == nil && empty.bestThreshold == nil && empty.roc.isEmpty)
    }

    @Test("the face nearest the image centre is chosen, not the largest")
    func nearestCenter() {
        // A 1000x600 image: a big face in the corner, a small one in the middle.
        let corner = FaceBox(left: 0, top: 0, right: 299, bottom: 299)
        let middle = FaceBox(left: 450, top: 250, right: 549, bottom: 349)
        let off = FaceBox(left: 700, top: 250, right: 799, bottom: 349)
        #expect(FaceBox.nearestCenter(of: [corner, off, middle], width: 1000, height: 600) == middle)
        #expect(FaceBox.nearestCenter(of: [corner, off], width: 1000, height: 600) == off)
        #expect(FaceBox.nearestCenter(of: [], width: 1000, height: 600) == nil)
    }
}
