import FacegateCore
import FacegateTestSupport
import FacegateTools
import Testing

/// The 1:1 and 1:N false-accept counting on hand-made descriptors whose distances
/// are worked out by hand: each person is a point on one axis or two.
@Suite("Open-set evaluation", .perTestLimit)
struct OpenSetEvaluationTests {
    typealias Probe = OpenSetEvaluation.Probe

    /// A descriptor that is zero except for the given dimensions.
    private func descriptor(_ components: [Int: Float]) -> FaceDescriptor {
        var values = [Float](repeating: 0, count: FaceDescriptor.dimensions)
        for (index, value) in components { values[index] = value }
        return FaceDescriptor(values)
    }

    /// A: at the origin and 0.1 along axis 0. B: 0.5 along axis 1, so 0.5 and 0.51
    /// from A's two images. C: 1 along axis 2, at least 1 from everyone.
    private func threePeople() -> [Probe] {
        [
            Probe(person: "A", descriptor: descriptor([:])),
            Probe(person: "A", descriptor: descriptor([0: 0.1])),
            Probe(person: "B", descriptor: descriptor([1: 0.5])),
            Probe(person: "C", descriptor: descriptor([2: 1])),
        ]
    }

    @Test("a claim is falsely accepted when the claimed person's nearest template is below the threshold")
    func claims() {
        let report = OpenSetEvaluation(syntheticSubjects: [0], threshold: 0.6).run(threePeople())
        #expect(report.probes == 4 && report.people == 3)
        // Each probe claims the two other people: 8 claims. A's two images claiming B
        // (0.5, 0.51) and B claiming A (nearest 0.5) are accepted; nobody reaches C.
        #expect(report.claims == 8)
        #expect(report.claimFalseAccepts == 3)
        #expect(report.claimFalseAcceptRate == 3.0 / 8)
        // Real different-person pairs: A-B 0.5, 0.51; A-C 1, 1.005; B-C 1.118.
        #expect(report.realImpostorDistances?.count == 5)
        #expect(report.realImpostorDistances?.belowThreshold == 2)
        #expect(abs((report.realImpostorDistances?.median ?? 0) - 1) < 1e-6)
    }

    @Test("1:N with no strangers: a probe is falsely accepted when the door's rule names another real person")
    func realPeopleOnly() throws {
        let report = OpenSetEvaluation(syntheticSubjects: [0], threshold: 0.6).run(threePeople())
        let gallery = try #require(report.galleries.first)
        // A's images find B (0.5 and 0.51, C at least 1 away), B finds A; C finds nobody.
        #expect(gallery.syntheticSubjects == 0 && gallery.subjects == 2)
        #expect(gallery.probes == 4 && gallery.falseAccepts == 3)
        #expect(gallery.strangerDistances == nil && gallery.distancesComparable == nil)
        // p = 3/8 per claim, two subjects: 1 - (5/8)^2.
        #expect(abs((gallery.expectedFalseAcceptRate ?? 0) - (1 - 25.0 / 64)) < 1e-12)
    }

    @Test("1:N follows the margin: two look-alikes nearly as close give no decision, hence no false accept")
    func margin() throws {
        let probes = [
            Probe(person: "X", descriptor: descriptor([:])),
            Probe(person: "Y", descriptor: descriptor([0: 0.5])),
            Probe(person: "Z", descriptor: descriptor([1: 0.52])),
        ]
        let report = OpenSetEvaluation(syntheticSubjects: [0], threshold: 0.6, margin: 0.04).run(probes)
        // 1:1, X-Y (0.5) and X-Z (0.52) are accepted either way round; Y and Z are
        // 0.72 apart.
        #expect(report.claimFalseAccepts == 4 && report.claims == 6)
        // 1:N, X's best (Y, 0.5) beats the second (Z, 0.52) by less than the margin:
        // unknown. Y's best is X at 0.5, Z at 0.72: named, a false accept; Z likewise.
        #expect(report.galleries.first?.falseAccepts == 2)
        #expect(report.galleries.first?.nearestBelowThreshold == 3, "X's nearest is below the threshold, margin or not")
        let withoutMargin = OpenSetEvaluation(syntheticSubjects: [0], threshold: 0.6, margin: 0).run(probes)
        #expect(withoutMargin.galleries.first?.falseAccepts == 3)
    }

    @Test("strangers are drawn near the other people, the same seed gives the same report, and galleries nest")
    func strangers() throws {
        let evaluation = OpenSetEvaluation(syntheticSubjects: [200, 50], threshold: 0.6, seed: 5)
        let report = evaluation.run(threePeople())
        #expect(report == evaluation.run(threePeople()))
        #expect(report.galleries.map(\.syntheticSubjects) == [50, 200], "sizes are measured smallest first")
        #expect(report.galleries.map(\.subjects) == [52, 202])
        #expect(report.probesWithoutFit == 0)
        let small = try #require(report.galleries[0].strangerDistances)
        let large = try #require(report.galleries[1].strangerDistances)
        #expect(small.count == 4 * 50 && large.count == 4 * 200)

        var reseeded = evaluation
        reseeded.seed = 6
        #expect(reseeded.run(threePeople()).galleries[1].strangerDistances != large)
    }

    @Test("a person whose others are a single descriptor cannot have strangers fitted: counted, not searched")
    func tooFewToFit() {
        let probes = [Probe(person: "A", descriptor: descriptor([:])), Probe(person: "B", descriptor: descriptor([1: 1]))]
        let report = OpenSetEvaluation(syntheticSubjects: [10], threshold: 0.6).run(probes)
        #expect(report.probesWithoutFit == 2)
        #expect(report.galleries.first?.probes == 0 && report.galleries.first?.falseAcceptRate == nil)
        #expect(report.claims == 2 && report.claimFalseAccepts == 0)
    }

    @Test("the analytic expectation is 1 - (1 - p)^N")
    func expectation() {
        #expect(abs(OpenSetEvaluation.expectedRate(perSubject: 0.5, subjects: 3) - 0.875) < 1e-12)
        #expect(OpenSetEvaluation.expectedRate(perSubject: 0, subjects: 10_000) == 0)
        #expect(abs(OpenSetEvaluation.expectedRate(perSubject: 1e-3, subjects: 1000) - (1 - 0.999.power(1000))) < 1e-9)
    }
}

extension Double {
    fileprivate func power(_ exponent: Int) -> Double { (0..<exponent).reduce(1) { result, _ in result * self } }
}
