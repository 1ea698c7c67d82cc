import Edge
public import FacegateCore
import Vault

/// The door's real question, measured as NIST's FRVT 1:N does: is a stranger taken for
/// a member (FPIR), and is a member not recognised (FNIR)?
///
/// From a labelled set of photos: the people are shuffled (seeded) and every other
/// one is enrolled with the first of their photos in the list (its template jittered
/// as `PairEvaluator.jitter` says); the enrolled people's other photos are mated
/// probes, and every photo of the people left out is an unmated probe. Synthetic
/// strangers fill the gallery up to `gallerySize`, drawn (seeded) from a Gaussian
/// (`FittedGaussian`) fitted to the enrolled people's descriptors: never to the people
/// left out, so that no stranger is an unmated probe's person in disguise. Each probe
/// is searched as the door searches (`Gallery.search`, two nearest subjects) and
/// decided by the door's rule (`MatchDecision`: threshold and margin).
public struct IdentificationEvaluation: Sendable {
    /// One labelled photo that gave a face: its template (as enrolment makes it) and
    /// its plain descriptor (as the door sees it).
    public struct Photo: Sendable {
        public var person: String
        public var template: FaceDescriptor
        public var probe: FaceDescriptor

        public init(person: String, template: FaceDescriptor, probe: FaceDescriptor) {
            self.person = person
            self.template = template
            self.probe = probe
        }
    }

    /// Subjects in the gallery, enrolled people and synthetic strangers together; nil
    /// (or fewer than the enrolled people) for the enrolled people alone.
    public var gallerySize: Int?
    public var threshold: Double
    public var margin: Double
    public var targetFPIR: Double
    /// Seeds who is enrolled and the strangers: the same seed, the same report.
    public var seed: UInt64
    /// Written into the report: how the templates were made.
    public var jitter: Int

    public init(
        gallerySize: Int?, threshold: Double, margin: Double = OpenSetEvaluation.defaultMargin,
        targetFPIR: Double = IdentificationReport.defaultTargetFPIR, seed: UInt64 = OpenSetEvaluation.defaultSeed, jitter: Int = 0
    ) {
        self.gallerySize = gallerySize
        self.threshold = threshold
        self.margin = margin
        self.targetFPIR = targetFPIR
        self.seed = seed
        self.jitter = jitter
    }

    /// Which people are enrolled: every other one of the people (in order of first
    /// appearance) shuffled with `seed`.
    public static func enrolledPeople(_ people: [String], seed: UInt64) -> Set<String> {
        var generator = SplitMix64(seed: seed)
        let shuffled = people.shuffled(using: &generator)
        return Set(shuffled.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
    }

    /// Builds the gallery, searches every probe and reports. The gallery lives in the
    /// locked memory `Gallery` uses and is wiped before this returns.
    public func run(_ photos: [Photo]) -> IdentificationReport {
        var people: [String] = []
        var photosOf: [String: [Int]] = [:]
        for (index, photo) in photos.enumerated() {
            if photosOf[photo.person] == nil { people.append(photo.person) }
            photosOf[photo.person, default: []].append(index)
        }
        let enrolled = Self.enrolledPeople(people, seed: seed)
        let enrolledInOrder = people.filter(enrolled.contains)

        var fitSamples = enrolledInOrder.flatMap { photosOf[$0, default: []] }.map {
            photos[$0].probe.withUnsafeValues { $0.map(Double.init) }
        }
        let wanted = max(0, (gallerySize ?? 0) - enrolledInOrder.count)
        let fit = wanted > 0 ? FittedGaussian(samples: fitSamples, shrinkage: OpenSetEvaluation.defaultShrinkage) : nil
        for index in fitSamples.indices { fitSamples[index].withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
        let synthetic = fit == nil ? 0 : wanted

        let gallery = Gallery(capacity: enrolledInOrder.count + synthetic)
        defer { gallery.removeAll() }
        var subjectOf: [String: SubjectID] = [:]
        for person in enrolledInOrder {
            let subject = SubjectID.random()
            subjectOf[person] = subject
            gallery.add(subject: subject, template: .random(), descriptor: photos[photosOf[person]![0]].template)
        }
        let expected = ExpectedFPIR(gallery: gallery, threshold: threshold, subjects: enrolledInOrder.count + synthetic)
        if let fit {
            var generator = SplitMix64(seed: seed ^ 0x5EED_5EED_5EED_5EED)
            var draw: [Double] = [], scratch: [Double] = []
            var stranger = [Float](repeating: 0, count: FaceDescriptor.dimensions)
            for _ in 0..<synthetic {
                fit.sample(into: &draw, scratch: &scratch, using: &generator)
                for k in stranger.indices { stranger[k] = Float(draw[k]) }
                stranger.withUnsafeBufferPointer { gallery.add(subject: .random(), template: .random(), values: $0) }
            }
            stranger.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) }
        }

        var searches: [IdentificationReport.Search] = []
        for person in people {
            let own = subjectOf[person]
            // An enrolled person's first photo is the template, not a probe.
            for index in photosOf[person, default: []].dropFirst(own == nil ? 0 : 1) {
                let matches = gallery.search(photos[index].probe, k: 2)
                // The door's rule with the threshold out of the way: whether the margin alone lets it decide.
                let clear = MatchDecision.decide(matches, threshold: .infinity, margin: margin, hasConsent: { _ in true })
                searches.append(
                    IdentificationReport.Search(
                        mated: own != nil, nearest: matches.first.map { Double($0.distance) },
                        nearestIsOwn: own != nil && matches.first?.subject == own, clearOfRunnerUp: clear.kind != .unknown))
            }
        }
        return IdentificationReport(
            searches: searches,
            setup: .init(
                enrolledPeople: enrolledInOrder.count, notEnrolledPeople: people.count - enrolledInOrder.count,
                syntheticSubjects: synthetic, threshold: threshold, margin: margin, seed: seed, jitter: jitter),
            targetFPIR: targetFPIR, expected: expected)
    }
}
