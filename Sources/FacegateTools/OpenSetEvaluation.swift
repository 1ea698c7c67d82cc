import Edge
public import FacegateCore
import Vault

#if canImport(Glibc)
    import Glibc
#endif

/// Why claim mode (1:1) exists: the false-accept rate of a face compared with the
/// templates of the one person a card claims, against that of the same face searched
/// among N enrolled strangers (1:N), where every stranger is one more chance of a
/// look-alike.
///
/// Every labelled descriptor is a probe. 1:1: the probe claims, in turn, each other
/// person, and is falsely accepted when its nearest template of that person is
/// closer than the threshold. 1:N: the probe is searched in a gallery holding every
/// other real person and N synthetic strangers, and is falsely accepted when the
/// door's own rule (`MatchDecision`: threshold and margin) would name anyone, since
/// nobody in that gallery is the probe's person.
///
/// A few dozen real people cannot make a gallery of thousands, and random vectors are
/// never within the threshold of a real face, so the strangers are drawn from a
/// Gaussian (`FittedGaussian`) fitted to the descriptors of the people other than the
/// probe's (leaving the probe's person out, so that no stranger is the probe's
/// person in disguise). The report gives the median and 1st-percentile distance of
/// real different-person pairs beside those of probe-to-stranger pairs, so a reader
/// can see whether the strangers are as far from a face as real strangers are.
public struct OpenSetEvaluation: Sendable {
    /// One probe: a face descriptor and the person it is labelled with.
    public struct Probe: Sendable {
        public var person: String
        public var descriptor: FaceDescriptor

        public init(person: String, descriptor: FaceDescriptor) {
            self.person = person
            self.descriptor = descriptor
        }
    }

    /// The numbers of synthetic strangers to measure 1:N with, each a gallery of its
    /// own (the smaller galleries are the first entries of the larger).
    public var syntheticSubjects: [Int]
    public var threshold: Double
    /// How much closer than the second-best subject the best must be (the policy's
    /// `recognition.margin`).
    public var margin: Double
    /// Seeds the strangers: the same seed and descriptors give the same report.
    public var seed: UInt64
    /// The covariance shrinkage of the stranger distribution (see `FittedGaussian`).
    public var shrinkage: Double

    /// The policy's default margin.
    public static let defaultMargin = 0.04
    public static let defaultSeed: UInt64 = 1
    /// Enough to make a covariance from ~100 descriptors of 128 values positive
    /// definite while keeping its correlations; on the shared identities set it puts
    /// the 1st-percentile stranger distance within 0.01 of the real one.
    public static let defaultShrinkage = 0.1

    public init(
        syntheticSubjects: [Int], threshold: Double, margin: Double = Self.defaultMargin, seed: UInt64 = Self.defaultSeed,
        shrinkage: Double = Self.defaultShrinkage
    ) {
        precondition(syntheticSubjects.allSatisfy { $0 >= 0 }, "gallery sizes are not negative")
        self.syntheticSubjects = syntheticSubjects
        self.threshold = threshold
        self.margin = margin
        self.seed = seed
        self.shrinkage = shrinkage
    }

    /// Measures both rates on `probes`. The galleries live in the locked memory
    /// `Gallery` uses and are wiped when each person's turn ends.
    public func run(_ probes: [Probe]) -> OpenSetReport {
        let people = Array(Set(probes.map(\.person))).sorted()
        var indicesOf: [String: [Int]] = [:]
        for (index, probe) in probes.enumerated() { indicesOf[probe.person, default: []].append(index) }

        // Every distance between two real descriptors, once.
        let n = probes.count
        var distances = [Float](repeating: 0, count: n * n)
        var realImpostor: [Float] = []
        for i in 0..<n {
            for j in 0..<i {
                let d = probes[i].descriptor.distance(to: probes[j].descriptor)
                distances[i * n + j] = d
                distances[j * n + i] = d
                if probes[i].person != probes[j].person { realImpostor.append(d) }
            }
        }

        // 1:1: each probe claims each other person.
        var claims = 0, claimFalseAccepts = 0
        for i in 0..<n {
            for person in people where person != probes[i].person {
                claims += 1
                let nearest = indicesOf[person, default: []].map { distances[i * n + $0] }.min() ?? .infinity
                // The door's own 1:1 rule (a claim): the claimed person's nearest template.
                let claimed = MatchDecision.verify(
                    claimed: .random(), distance: nearest.isFinite ? nearest : nil, threshold: threshold, hasConsent: true,
                    isDenyListed: false)
                if claimed.kind == .member { claimFalseAccepts += 1 }
            }
        }
        let claimRate = claims == 0 ? nil : Double(claimFalseAccepts) / Double(claims)

        // 1:N: per person, one growing gallery of the other people and the strangers.
        let sizes = Array(Set(syntheticSubjects)).sorted()
        var evaluated = [Int](repeating: 0, count: sizes.count)
        var falseAccepts = [Int](repeating: 0, count: sizes.count)
        var nearestBelow = [Int](repeating: 0, count: sizes.count)
        // Probe-to-stranger distances of the strangers added on the way to each size.
        var strangerDistances = [[Float]](repeating: [], count: sizes.count)
        var probesWithoutFit = 0
        for (personIndex, person) in people.enumerated() {
            let own = indicesOf[person, default: []]
            let others = probes.indices.filter { probes[$0].person != person }
            var samples = others.map { probes[$0].descriptor.withUnsafeValues { $0.map(Double.init) } }
            let fit = FittedGaussian(samples: samples, shrinkage: shrinkage)
            // The copies are descriptors too: wiped, like the descriptors they came from.
            for index in samples.indices { samples[index].withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
            // Without strangers to draw, the other real people need no fit.
            guard fit != nil || (sizes.last ?? 0) == 0 else {
                probesWithoutFit += own.count
                continue
            }
            let gallery = Gallery(capacity: (sizes.last ?? 0) + others.count, workers: 1)
            defer { gallery.removeAll() }
            var subjectOf: [String: SubjectID] = [:]
            for index in others {
                let subject = subjectOf[probes[index].person, default: .random()]
                subjectOf[probes[index].person] = subject
                gallery.add(subject: subject, template: .random(), descriptor: probes[index].descriptor)
            }
            var generator = SplitMix64(seed: seed &+ UInt64(personIndex) &* 0x9E37_79B9_7F4A_7C15)
            var draw: [Double] = [], scratch: [Double] = []
            var stranger = [Float](repeating: 0, count: FaceDescriptor.dimensions)
            var added = 0
            for (sizeIndex, size) in sizes.enumerated() {
                while added < size {
                    fit!.sample(into: &draw, scratch: &scratch, using: &generator)  // size > 0: the guard above
                    for k in stranger.indices { stranger[k] = Float(draw[k]) }
                    stranger.withUnsafeBufferPointer { values in
                        gallery.add(subject: .random(), template: .random(), values: values)
                        for index in own {
                            strangerDistances[sizeIndex].append(Self.distance(probes[index].descriptor, values))
                        }
                    }
                    added += 1
                }
                for index in own {
                    let matches = gallery.search(probes[index].descriptor, k: 2)
                    let decision = MatchDecision.decide(matches, threshold: threshold, margin: margin, hasConsent: { _ in true })
                    evaluated[sizeIndex] += 1
                    if decision.kind != .unknown { falseAccepts[sizeIndex] += 1 }
                    if let best = matches.first, Double(best.distance) < threshold { nearestBelow[sizeIndex] += 1 }
                }
            }
        }

        let real = OpenSetReport.DistanceSummary(realImpostor, threshold: threshold)
        var cumulative: [Float] = []
        let galleries = sizes.indices.map { k in
            cumulative += strangerDistances[k]
            let subjects = sizes[k] + max(0, people.count - 1)
            let strangers = OpenSetReport.DistanceSummary(cumulative, threshold: threshold)
            return OpenSetReport.GalleryResult(
                syntheticSubjects: sizes[k], subjects: subjects, probes: evaluated[k], falseAccepts: falseAccepts[k],
                nearestBelowThreshold: nearestBelow[k],
                expectedFalseAcceptRate: claimRate.map { Self.expectedRate(perSubject: $0, subjects: subjects) },
                strangerDistances: strangers,
                distancesComparable: strangers.flatMap { s in real.map { OpenSetReport.comparable(s, $0) } })
        }
        return OpenSetReport(
            threshold: threshold, margin: margin, seed: seed, shrinkage: shrinkage, probes: n, people: people.count,
            claims: claims, claimFalseAccepts: claimFalseAccepts, realImpostorDistances: real, probesWithoutFit: probesWithoutFit,
            galleries: galleries)
    }

    /// The 1:N false-accept rate if each of `subjects` subjects were an independent
    /// 1:1 claim with rate `perSubject`: 1 - (1 - p)^N. It ignores the margin rule and
    /// that look-alikes cluster, which is why the measured rate is shown beside it.
    public static func expectedRate(perSubject p: Double, subjects: Int) -> Double {
        guard p < 1 else { return subjects > 0 ? 1 : 0 }
        return -expm1(Double(subjects) * log1p(-p))
    }

    private static func distance(_ descriptor: FaceDescriptor, _ values: UnsafeBufferPointer<Float>) -> Float {
        descriptor.withUnsafeValues { probe in
            var sum: Float = 0
            for k in 0..<probe.count {
                let d = probe[k] - values[k]
                sum += d * d
            }
            return sum.squareRoot()
        }
    }
}
