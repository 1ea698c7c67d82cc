import FacegateCore
import FacegateTestSupport
import Testing
import Vault

@Suite("Gallery search", .perTestLimit)
struct GalleryTests {
    /// The k nearest subjects by the plainest possible computation.
    static func bruteForce(_ rows: [(SubjectID, [Float])], probe: [Float], k: Int) -> [(SubjectID, Float)] {
        var best: [SubjectID: Float] = [:]
        for (subject, values) in rows {
            var sum: Float = 0
            for i in 0..<values.count { sum += (values[i] - probe[i]) * (values[i] - probe[i]) }
            best[subject] = min(best[subject] ?? .infinity, sum.squareRoot())
        }
        return best.sorted { $0.value < $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(k).map { ($0.key, $0.value) }
    }

    @Test("verify measures the claimed subject's templates only, and is not a search")
    func verifyOneToOne() {
        var generator = SplitMix64(seed: 11)
        let gallery = Gallery(capacity: 16)
        let claimed = SubjectID.random(), other = SubjectID.random()
        var rows: [(SubjectID, [Float])] = []
        for subject in [claimed, claimed, other] {
            let values = (0..<128).map { _ in Float.random(in: -0.2...0.2, using: &generator) }
            rows.append((subject, values))
            values.withUnsafeBufferPointer { gallery.add(subject: subject, template: .random(), values: $0) }
        }
        // The probe is the other subject's template: a search would find them at 0.
        let probe = rows[2].1
        let expected = Self.bruteForce(rows.filter { $0.0 == claimed }, probe: probe, k: 1)[0].1
        let distance = gallery.verify(FaceDescriptor(probe), against: claimed)
        #expect(distance.map { abs($0 - expected) < 1e-5 } == true)
        #expect(gallery.verify(FaceDescriptor(probe), against: .random()) == nil, "no template, no distance")
        #expect(gallery.searches == 0)
        _ = gallery.search(FaceDescriptor(probe))
        #expect(gallery.searches == 1)
    }

    @Test("search returns exactly the brute-force nearest subjects on random data", arguments: [1, 2, 5])
    func exactness(k: Int) {
        var generator = SplitMix64(seed: UInt64(k) * 7919)
        let gallery = Gallery(capacity: 16)
        gallery.parallelThreshold = 1_000  // exercise the multi-threaded path as well
        var rows: [(SubjectID, [Float])] = []
        let subjects = (0..<1_500).map { _ in SubjectID.random() }
        for (index, subject) in subjects.enumerated() {
            for _ in 0..<(1 + index % 3) {
                let values = (0..<128).map { _ in Float.random(in: -0.2...0.2, using: &generator) }
                rows.append((subject, values))
                values.withUnsafeBufferPointer { gallery.add(subject: subject, template: .random(), values: $0) }
            }
        }
        // Remove every other one of the first 200 subjects, so that rows have moved.
        for (index, subject) in subjects.prefix(200).enumerated() where index % 2 == 0 {
            gallery.remove(subject)
            rows.removeAll { $0.0 == subject }
        }
        #expect(gallery.templateCount == rows.count)
        for _ in 0..<25 {
            let probe = (0..<128).map { _ in Float.random(in: -0.2...0.2, using: &generator) }
            let expected = Self.bruteForce(rows, probe: probe, k: k)
            let got = probe.withUnsafeBufferPointer { gallery.search($0, k: k) }
            #expect(got.map(\.subject) == expected.map(\.0))
            for (a, b) in zip(got, expected) { #expect(abs(a.distance - b.1) < 1e-5) }
        }
    }

    @Test("a subject's best template counts, once")
    func distinctSubjects() {
        let gallery = Gallery()
        let a = SubjectID.random(), b = SubjectID.random()
        let near = [Float](repeating: 0.01, count: 128), nearer = [Float](repeating: 0.005, count: 128)
        let far = [Float](repeating: 0.1, count: 128)
        near.withUnsafeBufferPointer { gallery.add(subject: a, template: .random(), values: $0) }
        nearer.withUnsafeBufferPointer { gallery.add(subject: a, template: .random(), values: $0) }
        far.withUnsafeBufferPointer { gallery.add(subject: b, template: .random(), values: $0) }
        let probe = [Float](repeating: 0, count: 128)
        let matches = probe.withUnsafeBufferPointer { gallery.search($0, k: 2) }
        #expect(matches.map(\.subject) == [a, b])
        #expect(abs(matches[0].distance - (0.005 * 0.005 * 128).squareRoot()) < 1e-6)
    }

    @Test("removing a subject removes all its rows and keeps others findable")
    func removal() {
        let gallery = Gallery(capacity: 16)
        var generator = SplitMix64(seed: 3)
        var probes: [SubjectID: FaceDescriptor] = [:]
        for _ in 0..<40 {
            let subject = SubjectID.random()
            let descriptor = VaultFixture.randomDescriptor(using: &generator)
            probes[subject] = descriptor
            gallery.add(subject: subject, template: .random(), descriptor: descriptor)
            gallery.add(subject: subject, template: .random(), descriptor: VaultFixture.randomDescriptor(using: &generator))
        }
        let victims = Array(probes.keys.prefix(10))
        for victim in victims { #expect(gallery.remove(victim) == 2) }
        #expect(gallery.templateCount == 60)
        for (subject, probe) in probes where !victims.contains(subject) {
            #expect(gallery.search(probe, k: 1).first?.subject == subject)
        }
        #expect(gallery.search(probes[victims[0]]!, k: 1).first?.subject != victims[0])
    }

    @Test("an empty gallery finds nothing")
    func empty() {
        #expect(Gallery().search(VaultFixture.randomDescriptor()).isEmpty)
    }
}
