import Consent
import Edge
import FaceEngine
import FacegateCore
import FacegateTestSupport
import FacegateTools
import Logging
import Synchronization
import Testing
import Vault

@Suite("Tracking, voting, decisions, low light", .perTestLimit)
struct PipelinePartsTests {
    let alice = SubjectID.random(), bob = SubjectID.random()

    func box(_ x: Int) -> FaceBox { FaceBox(left: x, top: 100, right: x + 99, bottom: 199) }

    @Test("a face keeps its track across frames; a new face gets a new one; a gone face is dropped")
    func tracking() {
        var tracker = FaceTracker(voteFrames: 3, recheckFrames: 10)
        let first = tracker.update(frame: 0, boxes: [box(100)])
        let second = tracker.update(frame: 1, boxes: [box(104), box(400)])
        #expect(second[0].track == first[0].track)
        #expect(second[1].track != first[0].track)
        _ = tracker.update(frame: 20, boxes: [box(400)])
        #expect(tracker.tracks.count == 1)
    }

    @Test(
        "a track ends after a time without frames, however few frames were missed: after a camera outage the face at the same spot is a new track"
    )
    func trackEndsAfterTime() {
        var tracker = FaceTracker(voteFrames: 3, recheckFrames: 30)
        let member = MatchDecision(kind: .member, subject: alice, distance: 0.4)
        // 15 frames a second: decided on the third.
        var track = 0
        for frame in 0..<3 {
            let assignment = tracker.update(frame: frame, time: Double(frame) / 15, boxes: [box(100)])[0]
            track = assignment.track
            _ = tracker.vote(track: track, member)
        }
        #expect(tracker.tracks.first?.decision == member)
        // The next frame a moment later: the same person, the same decided track, not embedded.
        let next = tracker.update(frame: 3, time: 3.0 / 15, boxes: [box(102)])[0]
        #expect(next.track == track && !next.embed)
        // The camera was away for a minute: the next frame is numbered 4, but the face in
        // it may be someone else's. A new track, embedded at once.
        let after = tracker.update(frame: 4, time: 63, boxes: [box(102)])[0]
        #expect(after.track != track)
        #expect(after.embed)
        #expect(tracker.tracks.count == 1 && tracker.tracks[0].decision == nil)
        // Just within the limit the track goes on (a slow frame is not an outage).
        let slow = tracker.update(frame: 5, time: 63 + tracker.maxMissedSeconds - 0.1, boxes: [box(102)])[0]
        #expect(slow.track == after.track)
    }

    @Test("votes settle a decision once; a decided track is only re-embedded every recheck interval")
    func voting() {
        var tracker = FaceTracker(voteFrames: 3, recheckFrames: 5)
        let member = MatchDecision(kind: .member, subject: alice, distance: 0.4)
        var embedded: [Int] = []
        var settled: [MatchDecision] = []
        for frame in 0..<16 {
            let assignment = tracker.update(frame: frame, boxes: [box(100)])[0]
            if assignment.embed {
                embedded.append(frame)
                if let outcome = tracker.vote(track: assignment.track, member) { settled.append(outcome.decision) }
            }
        }
        #expect(settled == [MatchDecision(kind: .member, subject: alice, distance: 0.4)])
        #expect(embedded == [0, 1, 2, 7, 12])
    }

    @Test("no strict majority for one subject is unknown; a disagreeing re-check starts a new vote")
    func tally() {
        var tracker = FaceTracker(voteFrames: 3, recheckFrames: 1)
        let track = tracker.update(frame: 0, boxes: [box(0)])[0].track
        #expect(tracker.vote(track: track, MatchDecision(kind: .member, subject: alice, distance: 0.5))?.decision == nil)
        #expect(tracker.vote(track: track, .unknown)?.decision == nil)
        let first = tracker.vote(track: track, MatchDecision(kind: .member, subject: bob, distance: 0.5))
        #expect(first?.decision == .unknown)
        // Agreeing re-checks change nothing; a different answer opens a new vote.
        #expect(tracker.vote(track: track, .unknown)?.decision == nil)
        #expect(tracker.vote(track: track, MatchDecision(kind: .member, subject: bob, distance: 0.3))?.decision == nil)
        #expect(tracker.vote(track: track, MatchDecision(kind: .member, subject: bob, distance: 0.35))?.decision == nil)
        let second = tracker.vote(track: track, MatchDecision(kind: .member, subject: bob, distance: 0.4))
        #expect(second?.decision == MatchDecision(kind: .member, subject: bob, distance: 0.3))
    }

    @Test("decisions: threshold, margin between the two nearest subjects, consent, deny-list")
    func decisions() {
        let near = [Gallery.Match(subject: alice, distance: 0.40), Gallery.Match(subject: bob, distance: 0.70)]
        #expect(MatchDecision.decide(near, threshold: 0.6, margin: 0.05, hasConsent: { _ in true }).kind == .member)
        #expect(MatchDecision.decide(near, threshold: 0.35, margin: 0.05, hasConsent: { _ in true }).kind == .unknown)
        let close = [Gallery.Match(subject: alice, distance: 0.40), Gallery.Match(subject: bob, distance: 0.42)]
        #expect(MatchDecision.decide(close, threshold: 0.6, margin: 0.05, hasConsent: { _ in true }) == .unknown)
        #expect(MatchDecision.decide(near, threshold: 0.6, margin: 0.05, hasConsent: { _ in false }) == .unknown)
        #expect(
            MatchDecision.decide(near, threshold: 0.6, margin: 0.05, hasConsent: { _ in true }, isDenyListed: { $0 == alice }).kind
                == .alert)
        #expect(MatchDecision.decide([], threshold: 0.6, margin: 0.05, hasConsent: { _ in true }) == .unknown)
    }

    @Test("bright frames are left alone; dark ones are lifted")
    func lowLightLevels() throws {
        let enhancer = LowLightEnhancer(threshold: 70)
        let photo = try TestEngine.image("obama.jpg")
        #expect(enhancer.enhance(photo) == nil)
        let dark = FrameComposer.darkened(photo, brightness: 0.1, noise: 4, seed: 1)
        let enhanced = try #require(enhancer.enhance(dark))
        #expect(LowLightEnhancer.lumaHistogram(dark).mean < 30)
        #expect(LowLightEnhancer.lumaHistogram(enhanced).mean > 80)
    }

    @Test("in a dark, noisy frame the enhancer brings back faces HOG misses")
    func lowLightDetection() throws {
        let engine = TestEngine.shared
        let enhancer = LowLightEnhancer(threshold: 70)
        var plain = 0, enhanced = 0
        for name in ["obama.jpg", "obama2.jpg", "biden.jpg", "obama3.jpg"] {
            let dark = FrameComposer.darkened(try TestEngine.image(name), brightness: 0.1, noise: 12, seed: 7)
            plain += try engine.detect(in: dark, options: DetectionOptions(upsample: 1)).count
            enhanced += try engine.detect(in: try #require(enhancer.enhance(dark)), options: DetectionOptions(upsample: 1)).count
        }
        #expect(enhanced > plain, "with enhancement \(enhanced), without \(plain)")
    }

    @Test("the running pipeline recognises a member, and every probe descriptor it made is all zeros once matched")
    func probesAreWiped() async throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let engine = TestEngine.shared
        let enrolment = try engine.analyze(try TestEngine.image("obama.jpg"), options: DetectionOptions(upsample: 1), describe: true)
        let (member, _) = try registry.enrol(
            ConsentFixture.request("Barack Obama"), embeddings: [try #require(enrolment.largestFace?.descriptor)], by: fixture.staff)

        // A person at the door: the face 160 px wide (a quarter of the frame) in the
        // middle, as the default door zone asks, swaying a little: 20 frames, the dwell's 9
        // and then the vote.
        let photo = try TestEngine.image("obama2.jpg")
        let face = try #require(try engine.detect(in: photo, options: DetectionOptions(upsample: 1)).max { $0.area < $1.area })
        let scale = 160 / Double(face.width)
        let portrait = FrameComposer.resized(photo, width: Int(Double(photo.width) * scale), height: Int(Double(photo.height) * scale))
        let frames = (0..<20).map { step in
            let frame = FrameComposer.canvas(width: 640, height: 480)
            FrameComposer.place(portrait, on: frame, x: 300 - Int(face.centerX * scale) + step % 3, y: 240 - Int(face.centerY * scale))
            return frame
        }
        let probes = Mutex<[FaceDescriptor]>([])
        let events = Mutex<[PipelineEvent]>([])
        var hooks = RecognitionPipeline.Hooks()
        hooks.afterProbeWiped = { descriptor in probes.withLock { $0.append(descriptor) } }
        let pipeline = RecognitionPipeline(
            engine: engine, registry: registry, source: MemoryFrameSource(frames: frames),
            configuration: .init(policy: fixture.policy.recognition), hooks: hooks, logger: Logger(label: "test")
        ) { event in events.withLock { $0.append(event) } }
        try await pipeline.run()

        let decisions = events.withLock { $0.map(\.decision) }
        #expect(decisions.map(\.kind) == [.member])
        #expect(decisions.first?.subject == member.id)
        let seen = probes.withLock { $0 }
        #expect(seen.count >= fixture.policy.recognition.voteFrames, "one probe per voting frame at least")
        #expect(seen.allSatisfy { $0.isWiped }, "no probe descriptor outlives its match")
    }
}
