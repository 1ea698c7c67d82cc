import Consent
import FacegateCore
import FacegateTestSupport
import FacegateTools
import Testing

/// The real-stranger identification, LFW's held-out folds and the Wilson interval, on
/// hand-made descriptors and lists whose answers are worked out by hand.
@Suite("Stranger evaluation", .perTestLimit)
struct StrangerEvaluationTests {
    typealias Photo = IdentificationEvaluation.Photo

    /// Person `index` sits on axis `index` at 1; their photos move `offset` along axis
    /// 127 (so two photos of one person are `|a - b|` apart, different people ~1.41).
    private func photo(_ person: Int, offset: Float, lookAlike: Int? = nil) -> Photo {
        var values = [Float](repeating: 0, count: FaceDescriptor.dimensions)
        values[person] = 1
        // A look-alike shares most of another person's position.
        if let lookAlike {
            values[person] = 0.2
            values[lookAlike] = 0.98
        }
        values[127] = offset
        return Photo(person: "p\(person)", template: FaceDescriptor(values), probe: FaceDescriptor(values))
    }

    @Test("members and strangers are different people, and the same strangers meet every gallery")
    func pools() {
        let evaluation = StrangerEvaluation(gallerySizes: [2, 4], threshold: 0.6)
        let people = (0..<10).map { "p\($0)" }
        let counts = Dictionary(uniqueKeysWithValues: people.enumerated().map { ($0.element, $0.offset < 6 ? 3 : 1) })
        let (members, strangers) = evaluation.pools(people, photoCounts: counts)
        #expect(Set(members).isDisjoint(with: strangers))
        #expect(Set(members).union(strangers) == Set(people))
        // Half of each kind: 3 of the 6 with several photos, 2 of the 4 with one.
        #expect(members.filter { counts[$0]! == 3 }.count == 3 && members.count == 5)
        let again = evaluation.pools(people, photoCounts: counts)
        #expect(again.members == members && again.strangers == strangers, "the same seed, the same pools")
    }

    @Test("a stranger is a false positive when the door's rule names anyone; a member a false negative when not named")
    func figures() throws {
        // Ten people with two photos each 0.1 apart; nobody close to anybody else.
        var photos: [Photo] = []
        for person in 0..<10 { photos += [photo(person, offset: 0), photo(person, offset: 0.1)] }
        // One more person who looks like p0 (about 0.22 from p0's photos).
        photos += [photo(20, offset: 0, lookAlike: 0), photo(20, offset: 0.05, lookAlike: 0)]
        let evaluation = StrangerEvaluation(gallerySizes: [3, 5, 100], threshold: 0.6, probesPerPerson: 5)
        let (reports, unfilled) = evaluation.run(photos)
        #expect(unfilled == [100], "the member pool of 6 cannot fill 100")
        #expect(reports.count == 2)
        let people = Set(photos.map(\.person))
        for report in reports {
            // Every member's second photo is a mated search and names them.
            #expect(report.matedSearches == report.setup.enrolledPeople)
            #expect(report.falseNegatives == 0)
            // Every photo of every stranger is an unmated search.
            #expect(report.unmatedSearches == 2 * (people.count - 6))
            #expect(report.setup.syntheticSubjects == 0)
        }
        // Whether p20 is named depends on whether p0 is a member: either both of its photos
        // are false positives (p0 enrolled, p20 a stranger) or none is.
        for report in reports { #expect(report.falsePositives == 0 || report.falsePositives == 2) }
        // With a threshold below the look-alike's distance nobody is ever named wrongly.
        let strict = StrangerEvaluation(gallerySizes: [5], threshold: 0.2).run(photos).reports[0]
        #expect(strict.falsePositives == 0 && strict.falseNegatives == 0)
        let interval = try #require(strict.fpirInterval)
        #expect(interval.lower == 0 && interval.upper > 0, "0 of n still leaves an upper bound above 0")
    }

    @Test("members enrolled from several photos hold several templates, and only their further photos are searched")
    func severalPhotos() throws {
        var photos: [Photo] = []
        for person in 0..<8 { photos += (0..<4).map { photo(person, offset: Float($0) * 0.1) } }
        let report = try #require(StrangerEvaluation(gallerySizes: [4], threshold: 0.6, enrolPhotos: 3).run(photos).reports.first)
        #expect(report.setup.enrolPhotos == 3)
        #expect(report.matedSearches == 4, "one further photo of each of the 4 members")
        #expect(report.unmatedSearches == 4 * 4)
    }

    @Test("the Wilson interval holds the observed rate, stays in [0, 1], and narrows with more trials")
    func wilson() throws {
        let small = try #require(WilsonInterval(successes: 1, trials: 10))
        let large = try #require(WilsonInterval(successes: 100, trials: 1000))
        #expect(small.lower < 0.1 && small.upper > 0.1)
        #expect(large.upper - large.lower < small.upper - small.lower)
        let none = try #require(WilsonInterval(successes: 0, trials: 300))
        #expect(none.lower == 0 && abs(none.upper - 0.0126) < 0.001)
        #expect(WilsonInterval(successes: 10, trials: 10)?.upper == 1)
        #expect(WilsonInterval(successes: 0, trials: 0) == nil)
    }

    @Test("LFW's held-out folds name every person of their pairs, and only theirs")
    func heldOutFolds() throws {
        // Two folds of one matched and one mismatched pair each.
        let text = "2\t1\nAnn\t1\t2\nBob\t1\tCid\t1\nDan\t1\t3\nEve\t2\tAnn\t4\n"
        let first = try LFWHeldOutPeople(pairsText: text, folds: [1], source: "pairs.txt")
        #expect(first.people == ["Ann", "Bob", "Cid"])
        let both = try LFWHeldOutPeople(pairsText: text, folds: [1, 2], source: "pairs.txt")
        #expect(both.people == ["Ann", "Bob", "Cid", "Dan", "Eve"])
        let labels = LabelList(entries: [.init(file: "a.jpg", person: "Ann"), .init(file: "z.jpg", person: "Zoe")])
        #expect(first.excluding(from: labels)?.entries.map(\.person) == ["Zoe"])
        #expect(throws: EvaluationError.self) { try LFWHeldOutPeople(pairsText: text, folds: [3], source: "pairs.txt") }
        #expect(throws: EvaluationError.self) { try LFWHeldOutPeople(pairsText: "2\t1\nAnn\t1\t2\n", folds: [1], source: "pairs.txt") }
    }

    @Test("a calibration built from labelled descriptors bins every impostor and genuine pair")
    func calibration() {
        var photos: [Photo] = []
        for person in 0..<5 { photos += [photo(person, offset: 0), photo(person, offset: 0.105)] }
        let calibration = CalibrationBuilder(version: "t", provenance: "test \"quoted\"").build(photos)
        #expect(calibration.genuineTotal == 5)
        #expect(calibration.impostorTotal == 45 - 5)
        // Genuine pairs are 0.105 apart: all in the bin [0.1, 0.11).
        #expect(calibration.genuineCounts[10] == 5)
        #expect(calibration.swiftSource.contains("public static let shipped"))
        #expect(calibration.swiftSource.contains("test \\\"quoted\\\""))
    }
}
