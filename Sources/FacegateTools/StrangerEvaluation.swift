import Edge
public import FacegateCore
import Vault

/// The door's real question asked of real strangers: at galleries of `gallerySizes`
/// members, how often is a person who is not a member named as one (FPIR), and how
/// often is a member not named (FNIR)?
///
/// Nobody is synthetic. The labelled people are shuffled (seeded) and split once into
/// a member pool and a stranger pool, half each (people with several photos and
/// people with one are halved separately, so both pools hold both). A gallery of G is
/// the first G of the member pool, each enrolled from their first `enrolPhotos` photos
/// (one template each, as `enrol` stores several photos); their further photos are
/// mated searches. Every photo of the stranger pool is an unmated search of every
/// gallery: the same strangers meet growing galleries, so the curve shows what the
/// gallery's size alone does. At most `probesPerPerson` photos of one person are
/// searched, so that a person with hundreds of photos does not outweigh the rest.
/// Searches are decided by the door's rule (`MatchDecision`: threshold and margin).
public struct StrangerEvaluation: Sendable {
    public var gallerySizes: [Int]
    public var threshold: Double
    public var margin: Double
    public var targetFPIR: Double
    public var seed: UInt64
    public var jitter: Int
    /// Photos each member is enrolled from (each a template of theirs).
    public var enrolPhotos: Int
    /// The most photos of one person searched (mated or unmated).
    public var probesPerPerson: Int

    public static let defaultProbesPerPerson = 5

    public init(
        gallerySizes: [Int], threshold: Double, margin: Double = OpenSetEvaluation.defaultMargin,
        targetFPIR: Double = IdentificationReport.defaultTargetFPIR, seed: UInt64 = OpenSetEvaluation.defaultSeed, jitter: Int = 0,
        enrolPhotos: Int = 1, probesPerPerson: Int = Self.defaultProbesPerPerson
    ) {
        precondition(gallerySizes.allSatisfy { $0 > 0 }, "galleries hold at least one member")
        precondition(enrolPhotos >= 1 && probesPerPerson >= 1, "at least one photo enrols and one is searched")
        self.gallerySizes = Array(Set(gallerySizes)).sorted()
        self.threshold = threshold
        self.margin = margin
        self.targetFPIR = targetFPIR
        self.seed = seed
        self.jitter = jitter
        self.enrolPhotos = enrolPhotos
        self.probesPerPerson = probesPerPerson
    }

    /// The member pool and the stranger pool, each in the order members are drawn.
    public func pools(_ people: [String], photoCounts: [String: Int]) -> (members: [String], strangers: [String]) {
        var generator = SplitMix64(seed: seed)
        let several = people.filter { (photoCounts[$0] ?? 0) > enrolPhotos }.shuffled(using: &generator)
        let few = people.filter { (photoCounts[$0] ?? 0) <= enrolPhotos }.shuffled(using: &generator)
        var members: [String] = []
        var strangers: [String] = []
        for group in [several, few] {
            let half = (group.count + 1) / 2
            members += group.prefix(half)
            strangers += group.dropFirst(half)
        }
        // Interleaved, so that a small gallery has members of both kinds.
        members.shuffle(using: &generator)
        return (members.filter { (photoCounts[$0] ?? 0) >= enrolPhotos }, strangers)
    }

    /// One report per gallery size that the member pool can fill (a larger one is left
    /// out, and said so by `unfilled`). Galleries live in `Gallery`'s locked memory and
    /// are wiped before this returns.
    public func run(_ photos: [IdentificationEvaluation.Photo]) -> (reports: [IdentificationReport], unfilled: [Int]) {
        run(photos) { _ in (threshold, margin) }
    }

    /// `run`, each gallery searched with the threshold and margin `rule` gives for its
    /// size (the door's derived rule).
    public func run(
        _ photos: [IdentificationEvaluation.Photo], rule: (Int) -> (threshold: Double, margin: Double)
    ) -> (reports: [IdentificationReport], unfilled: [Int]) {
        var people: [String] = []
        var photosOf: [String: [Int]] = [:]
        for (index, photo) in photos.enumerated() {
            if photosOf[photo.person] == nil { people.append(photo.person) }
            photosOf[photo.person, default: []].append(index)
        }
        let (members, strangers) = pools(people, photoCounts: photosOf.mapValues(\.count))
        var reports: [IdentificationReport] = []
        var unfilled: [Int] = []
        let gallery = Gallery(capacity: (gallerySizes.last ?? 0) * enrolPhotos)
        defer { gallery.removeAll() }
        var subjectOf: [String: SubjectID] = [:]
        var enrolled = 0
        for size in gallerySizes {
            guard size <= members.count else {
                unfilled.append(size)
                continue
            }
            while enrolled < size {
                let person = members[enrolled]
                let subject = SubjectID.random()
                subjectOf[person] = subject
                for index in photosOf[person, default: []].prefix(enrolPhotos) {
                    gallery.add(subject: subject, template: .random(), descriptor: photos[index].template)
                }
                enrolled += 1
            }
            let (threshold, margin) = rule(size)
            var searches: [IdentificationReport.Search] = []
            for person in members.prefix(size) {
                let own = subjectOf[person]
                for index in photosOf[person, default: []].dropFirst(enrolPhotos).prefix(probesPerPerson) {
                    searches.append(search(photos[index].probe, in: gallery, own: own, margin: margin))
                }
            }
            for person in strangers {
                for index in photosOf[person, default: []].prefix(probesPerPerson) {
                    searches.append(search(photos[index].probe, in: gallery, own: nil, margin: margin))
                }
            }
            reports.append(
                IdentificationReport(
                    searches: searches,
                    setup: .init(
                        enrolledPeople: size, notEnrolledPeople: strangers.count, syntheticSubjects: 0, threshold: threshold,
                        margin: margin, seed: seed, jitter: jitter, enrolPhotos: enrolPhotos),
                    targetFPIR: targetFPIR))
        }
        return (reports, unfilled)
    }

    private func search(_ probe: FaceDescriptor, in gallery: Gallery, own: SubjectID?, margin: Double) -> IdentificationReport.Search {
        let matches = gallery.search(probe, k: 2)
        // The door's rule with the threshold out of the way: whether the margin alone lets it decide.
        let clear = MatchDecision.decide(matches, threshold: .infinity, margin: margin, hasConsent: { _ in true })
        return IdentificationReport.Search(
            mated: own != nil, nearest: matches.first.map { Double($0.distance) },
            nearestIsOwn: own != nil && matches.first?.subject == own, clearOfRunnerUp: clear.kind != .unknown)
    }
}
