import FacegateCore
import FacegateTestSupport
import FacegateTools
import Foundation
import Testing
import Vault

/// The FRVT 1:N arithmetic on hand-made searches and descriptors whose answers are
/// worked out by hand.
@Suite("Open-set identification", .perTestLimit)
struct IdentificationReportTests {
    typealias Search = IdentificationReport.Search

    private func setup(threshold: Double = 0.6) -> IdentificationReport.Setup {
        .init(enrolledPeople: 3, notEnrolledPeople: 2, syntheticSubjects: 0, threshold: threshold, margin: 0.04, seed: 1, jitter: 0)
    }

    /// Mated: own at 0.3 (hit), own at 0.55 (hit), another subject nearest at 0.4
    /// (rank-1 miss), own at 0.5 but not clear of the runner-up, own at 0.7 (above).
    /// Unmated: 0.45 clear (false positive), 0.5 not clear, 0.65, 0.8.
    private let searches = [
        Search(mated: true, nearest: 0.3, nearestIsOwn: true, clearOfRunnerUp: true),
        Search(mated: true, nearest: 0.55, nearestIsOwn: true, clearOfRunnerUp: true),
        Search(mated: true, nearest: 0.4, nearestIsOwn: false, clearOfRunnerUp: true),
        Search(mated: true, nearest: 0.5, nearestIsOwn: true, clearOfRunnerUp: false),
        Search(mated: true, nearest: 0.7, nearestIsOwn: true, clearOfRunnerUp: true),
        Search(mated: false, nearest: 0.45, nearestIsOwn: false, clearOfRunnerUp: true),
        Search(mated: false, nearest: 0.5, nearestIsOwn: false, clearOfRunnerUp: false),
        Search(mated: false, nearest: 0.65, nearestIsOwn: false, clearOfRunnerUp: true),
        Search(mated: false, nearest: 0.8, nearestIsOwn: false, clearOfRunnerUp: true),
    ]

    @Test("FPIR counts unmated searches that name anyone, FNIR mated ones that do not name their person")
    func rates() {
        let report = IdentificationReport(searches: searches, setup: setup(), targetFPIR: 0.3)
        #expect(report.matedSearches == 5 && report.unmatedSearches == 4)
        #expect(report.falsePositives == 1 && report.fpir == 0.25)
        // Misses: the wrong subject, the unclear one and the one above the threshold.
        #expect(report.falseNegatives == 3 && report.fnir == 0.6)
        #expect(report.rank1Hits == 4 && report.rank1Accuracy == 0.8, "rank 1 ignores the threshold and the margin")
    }

    @Test("the DET curve runs from nothing returned to everything, monotone, over the searches that can ever count")
    func det() throws {
        let report = IdentificationReport(searches: searches, setup: setup(), targetFPIR: 0.3)
        // Countable: hits at 0.3, 0.55, 0.7; false positives at 0.45, 0.65, 0.8.
        let thresholds = [0.3, 0.375, 0.5, 0.6, 0.675, 0.75, 0.8]
        #expect(report.det.count == thresholds.count)
        #expect(zip(report.det, thresholds).allSatisfy { abs($0.threshold - $1) < 1e-9 })
        #expect(report.det.map(\.fpir) == [0, 0, 0.25, 0.25, 0.5, 0.5, 0.75])
        let fnir = report.det.map { ($0.fnir * 100).rounded() / 100 }
        #expect(fnir == [1, 0.8, 0.8, 0.6, 0.6, 0.4, 0.4])
        // At the door's threshold the curve agrees with the counts.
        let atDoor = try #require(report.det.last { $0.threshold <= 0.6 + 1e-9 })
        #expect(atDoor.fpir == report.fpir && abs(atDoor.fnir - (report.fnir ?? 0)) < 1e-12)
        #expect(report.detCSV.hasPrefix("threshold,fpir,fnir\n0.3,0.0,1.0\n"))
    }

    @Test("the threshold at a target FPIR is the highest that keeps within it, and n/a with too few unmated searches")
    func target() {
        // 4 unmated searches measure 0.25 and above: 1 false positive allowed.
        let report = IdentificationReport(searches: searches, setup: setup(), targetFPIR: 0.3)
        #expect(report.atTarget.unmatedNeeded == 4)
        #expect(abs((report.atTarget.threshold ?? 0) - 0.6) < 1e-9 && report.atTarget.fpir == 0.25)
        #expect(abs((report.atTarget.fnir ?? 0) - 0.6) < 1e-12)
        let strict = IdentificationReport(searches: searches, setup: setup(), targetFPIR: 0.25)
        #expect(abs((strict.atTarget.threshold ?? 0) - 0.6) < 1e-9)
        let tooFew = IdentificationReport(searches: searches, setup: setup(), targetFPIR: 0.01)
        #expect(tooFew.atTarget.unmatedNeeded == 100 && !tooFew.atTarget.isMeasurable && tooFew.atTarget.fnir == nil)
        #expect(tooFew.text.contains("at FPIR 1e-2: n/a (needs at least 100 unmated searches, have 4)"))
    }

    @Test("without unmated or mated searches the rates are n/a and there is no curve")
    func empty() {
        let report = IdentificationReport(searches: [], setup: setup())
        #expect(report.fpir == nil && report.fnir == nil && report.rank1Accuracy == nil && report.det.isEmpty)
        #expect(report.text.contains("FPIR n/a"))
    }

    /// A descriptor that is zero except for the given dimensions.
    private func descriptor(_ components: [Int: Float]) -> FaceDescriptor {
        var values = [Float](repeating: 0, count: FaceDescriptor.dimensions)
        for (index, value) in components { values[index] = value }
        return FaceDescriptor(values)
    }

    @Test("the evaluation enrols every other person's first photo and searches the rest with the door's rule")
    func evaluation() throws {
        // Six people on their own axes, two photos each 0.2 apart: every person is 1.4
        // or more from everyone else.
        var photos: [IdentificationEvaluation.Photo] = []
        for person in 0..<6 {
            for offset: Float in [0, 0.2] {
                let face = descriptor([person: 1, 100: offset])
                photos.append(.init(person: "p\(person)", template: face, probe: face))
            }
        }
        let evaluation = IdentificationEvaluation(gallerySize: nil, threshold: 0.6, seed: 7)
        let report = evaluation.run(photos)
        let enrolled = IdentificationEvaluation.enrolledPeople((0..<6).map { "p\($0)" }, seed: 7)
        #expect(enrolled.count == 3 && report.setup.enrolledPeople == 3 && report.setup.notEnrolledPeople == 3)
        #expect(report.setup.syntheticSubjects == 0 && report.setup.gallerySubjects == 3)
        // Mated: each enrolled person's second photo (0.2 from the template); unmated:
        // both photos of each other person (1.4 from everyone).
        #expect(report.matedSearches == 3 && report.unmatedSearches == 6)
        #expect(report.fnir == 0 && report.fpir == 0 && report.rank1Accuracy == 1)
        #expect(report == evaluation.run(photos), "the same seed, the same report")
        // 3 subjects make 3 pairs: too few to measure p, so doctor's shared figure is used.
        #expect(report.expected?.source == .sharedIdentities && report.expected?.subjects == 3)

        // Strangers fill the gallery and are drawn near the enrolled people.
        let filled = IdentificationEvaluation(gallerySize: 50, threshold: 0.6, seed: 7).run(photos)
        #expect(filled.setup.syntheticSubjects == 47 && filled.setup.gallerySubjects == 50)
        #expect(filled.matedSearches == 3 && filled.unmatedSearches == 6)
        #expect(filled.rank1Hits <= 3 && (filled.fnir ?? 0) >= 1 - (filled.rank1Accuracy ?? 0))
    }

    @Test("a gallery's expected FPIR: p from its own template pairs, the rule of three when none is close")
    func expected() {
        let gallery = Gallery(capacity: 32)
        // 15 subjects far apart (1.0 or more), the first two only 0.5 apart: 105 pairs, 1 close.
        for subject in 0..<15 {
            gallery.add(subject: .random(), template: .random(), descriptor: descriptor(subject == 1 ? [0: 1, 1: 0.5] : [subject: 1]))
        }
        let pairs = gallery.differentSubjectPairs(closerThan: 0.6)
        #expect(pairs.pairs == 105 && pairs.closer == 1)
        let estimate = ExpectedFPIR(gallery: gallery, threshold: 0.6)
        #expect(estimate.source == .gallery && estimate.subjects == 15 && !estimate.isUpperBound)
        #expect(abs(estimate.perSubject - 1.0 / 105) < 1e-12)
        #expect(abs(estimate.fpir - (1 - pow(1 - 1.0 / 105, 15))) < 1e-12)
        let none = ExpectedFPIR(gallery: gallery, threshold: 0.4)
        #expect(none.isUpperBound && abs(none.perSubject - 3.0 / 105) < 1e-12)
        #expect(ExpectedFPIR(gallery: gallery, threshold: 0.6, subjects: 1000).fpir > estimate.fpir, "more subjects, more chances")
        // A second template of the same subject is no impostor pair.
        let one = Gallery(capacity: 16)
        let subject = SubjectID.random()
        one.add(subject: subject, template: .random(), descriptor: descriptor([:]))
        one.add(subject: subject, template: .random(), descriptor: descriptor([0: 0.1]))
        #expect(one.differentSubjectPairs(closerThan: 0.6).pairs == 0)
    }
}
