import Consent
import Edge
import FaceEngine
import FacegateCore
import FacegateTestSupport
import Testing
import Vault

/// Only the people who ask: the door zone (where, how close, how still, how long),
/// claims opened by a card, and the 1:1 decision.
@Suite("Door zone, claims and 1:1 decisions", .perTestLimit)
struct DoorTriggerTests {
    let gate = DoorGate(zone: .default, minFaceFraction: 0.2, dwellFrames: 3)

    /// A `size`-pixel face centred at (`x`, `y`) of a 640x480 frame.
    func face(_ x: Int, _ y: Int, size: Int = 140) -> FaceBox {
        FaceBox(left: x - size / 2, top: y - size / 2, right: x - size / 2 + size - 1, bottom: y - size / 2 + size - 1)
    }

    func places(_ tracker: inout FaceTracker, _ boxes: [[FaceBox]]) -> [[FaceTracker.Place]] {
        boxes.enumerated().map { frame, boxes in tracker.update(frame: frame, boxes: boxes, width: 640, height: 480).map(\.place) }
    }

    @Test("the gate admits a face centred in the zone and close enough; not one at the side, nor a far one")
    func zone() {
        #expect(gate.admits(face(320, 240), width: 640, height: 480))
        #expect(!gate.admits(face(80, 240), width: 640, height: 480), "at the side of the frame")
        #expect(!gate.admits(face(320, 20, size: 40), width: 640, height: 480), "above the zone")
        #expect(!gate.admits(face(320, 240, size: 120), width: 640, height: 480), "120 px is under 20 % of 640: too far")
        #expect(gate.admits(face(320, 240, size: 128), width: 640, height: 480))
    }

    @Test("a face is embedded only after standing in the zone for the dwell; faces outside never are")
    func dwell() {
        var tracker = FaceTracker(voteFrames: 3, recheckFrames: 15, gate: gate)
        let frames = (0..<6).map { step in [face(320 + step, 240), face(70, 100 + step * 5)] }
        let seen = places(&tracker, frames)
        #expect(seen.map { $0[0] } == [.waiting, .waiting, .inside, .inside, .inside, .inside])
        #expect(seen.map { $0[1] }.allSatisfy { $0 == .outside })
        var embedded = FaceTracker(voteFrames: 3, recheckFrames: 15, gate: gate)
        let embeds = frames.enumerated().map { frame, boxes in
            embedded.update(frame: frame, boxes: boxes, width: 640, height: 480).map(\.embed)
        }
        #expect(embeds.map { $0[0] } == [false, false, true, true, true, true])
        #expect(embeds.map { $0[1] }.allSatisfy { !$0 }, "the face at the side is tracked, never embedded")
    }

    /// The widths dlib's HOG detector gives a face as it comes closer: its image pyramid
    /// steps by 6/5, so a box keeps one width for a while and then jumps to the next.
    static let pyramidWidths = [125, 151, 180, 216]

    @Test("someone walking straight at the camera grows in the zone without moving across: never embedded until they stop")
    func walkingIn() {
        let gate = DoorGate(zone: .default, minFaceFraction: 0.2, dwellFrames: 9)
        var tracker = FaceTracker(voteFrames: 3, recheckFrames: 15, gate: gate)
        // A slow approach: each width for 8 frames (0.53 s, about 20 cm/s at 0.6 m), centred.
        let approach = Self.pyramidWidths.dropLast().flatMap { size in Array(repeating: [face(320, 240, size: size)], count: 8) }
        let walking = approach.enumerated().flatMap { frame, boxes in
            tracker.update(frame: frame, boxes: boxes, width: 640, height: 480).map(\.embed)
        }
        #expect(!walking.contains(true), "the approach is not asking")
        // Then they reach 216 px and stop: compared on the 9th frame (0.53 s) at that width.
        let stopped = (24..<40).flatMap { frame in
            tracker.update(frame: frame, boxes: [face(320, 240, size: 216)], width: 640, height: 480).map(\.embed)
        }
        #expect(stopped.prefix(8).allSatisfy { !$0 } && stopped.dropFirst(8).first == true, "\(stopped)")
    }

    @Test("a card presented at the door makes that entry the card's: the faces at the door are not embedded or decided")
    func cardEntry() {
        var tracker = FaceTracker(voteFrames: 3, recheckFrames: 15, gate: DoorGate(zone: .default, minFaceFraction: 0.2, dwellFrames: 9))
        let standing = [face(320, 240), face(70, 100)]
        for frame in 0..<4 { _ = tracker.update(frame: frame, boxes: standing, width: 640, height: 480) }
        #expect(tracker.cardPresented() == 1, "the face at the door, not the one at the side")
        let later = (4..<30).flatMap { frame in tracker.update(frame: frame, boxes: standing, width: 640, height: 480).map(\.embed) }
        #expect(!later.contains(true), "never embedded after the card")
        let atTheDoor = try? #require(tracker.tracks.first { $0.cardEntry })
        #expect(tracker.vote(track: atTheDoor?.id ?? -1, .unknown) == nil, "no vote counts for it")
    }

    @Test(
        "a card shown while nobody is at the door is for the first face to step into the zone within five seconds; the next one is processed"
    )
    func cardBeforeStepping() {
        var tracker = FaceTracker(voteFrames: 3, recheckFrames: 15, gate: DoorGate(zone: .default, minFaceFraction: 0.2, dwellFrames: 9))
        _ = tracker.update(frame: 0, boxes: [face(70, 100)], width: 640, height: 480)
        #expect(tracker.cardPresented() == 0, "nobody at the door yet; the face at the side is not the card's")
        // The holder steps up 3 s later and stands: never embedded.
        let holder = (45..<90).flatMap { frame in
            tracker.update(frame: frame, boxes: [face(320, 240)], width: 640, height: 480).map(\.embed)
        }
        #expect(!holder.contains(true))
        // They leave; the next person steps up 4 s later and is processed after the dwell.
        let next = (150..<165).flatMap { frame in
            tracker.update(frame: frame, boxes: [face(320, 240)], width: 640, height: 480).map(\.embed)
        }
        #expect(next.firstIndex(of: true) == 8, "\(next)")
        // A card nobody follows within 5 s is for no one: a face at 6 s is processed.
        _ = tracker.update(frame: 300, boxes: [], width: 640, height: 480)
        #expect(tracker.cardPresented() == 0)
        let late = (390..<405).flatMap { frame in
            tracker.update(frame: frame, boxes: [face(320, 240)], width: 640, height: 480).map(\.embed)
        }
        #expect(late.firstIndex(of: true) == 8, "\(late)")
    }

    @Test("a person walking across the zone is never still for the dwell, so never embedded")
    func walkingPast() {
        var tracker = FaceTracker(voteFrames: 3, recheckFrames: 15, gate: gate)
        // 48 px a frame with a 140 px face: 34 % of its width, a walking pace at 15 fps.
        let frames = (0..<12).map { step in [face(60 + step * 48, 240)] }
        let embeds = frames.enumerated().flatMap { frame, boxes in
            tracker.update(frame: frame, boxes: boxes, width: 640, height: 480).map(\.embed)
        }
        #expect(!embeds.contains(true))
        #expect(tracker.tracks.count == 1, "one track followed across the frame")
    }

    @Test("a slow walker is never still long enough, at 15 fps or at 30")
    func slowWalker() {
        for rate in [15.0, 30.0] {
            var tracker = FaceTracker(voteFrames: 3, recheckFrames: 15, gate: gate)
            // Across the frame in 2.4 s: about 1.7 face-widths a second (25 cm/s).
            let frames = Int(2.4 * rate)
            let embeds = (0..<frames).flatMap { frame in
                tracker.update(
                    frame: frame, time: Double(frame) / rate, boxes: [face(60 + frame * 520 / frames, 240)], width: 640, height: 480
                ).map(\.embed)
            }
            #expect(!embeds.contains(true), "at \(rate) fps")
        }
    }

    @Test("a faster camera must keep the face still as long, not merely as many frames")
    func fastCamera() {
        var tracker = FaceTracker(voteFrames: 3, recheckFrames: 15, gate: gate)
        let seen = (0..<6).map { frame in
            tracker.update(frame: frame, time: Double(frame) / 30, boxes: [face(320, 240)], width: 640, height: 480)[0].place
        }
        // 3 frames at 15 fps last 0.133 s: at 30 fps, 5 frames.
        #expect(seen == [.waiting, .waiting, .waiting, .waiting, .inside, .inside])
    }

    @Test("stepping out of the zone starts the dwell again")
    func leavingResets() {
        var tracker = FaceTracker(voteFrames: 3, recheckFrames: 15, gate: gate)
        // 200 is in the zone but a big step from 320; 100 is outside; 250 is back in.
        let path = [320, 320, 320, 200, 100, 250, 250, 250].map { [face($0, 240)] }
        let seen = places(&tracker, path).map { $0[0] }
        #expect(seen == [.waiting, .waiting, .inside, .waiting, .outside, .waiting, .waiting, .inside])
    }

    @Test("without a gate (always) every face is processed at once")
    func always() {
        var tracker = FaceTracker(voteFrames: 3, recheckFrames: 15)
        #expect(tracker.update(frame: 0, boxes: [face(70, 100)], width: 640, height: 480).map(\.embed) == [true])
    }

    @Test("a claim binds to the first face that asks, serves only it, and ends once: closed, expired or replaced")
    func claims() throws {
        let claims = DoorClaims(seconds: 10)
        let alice = SubjectID.random(), bob = SubjectID.random()
        #expect(claims.claim(forTrack: 1, at: 0) == nil, "no claim open: nobody is processed")
        let (first, ended) = claims.open(for: alice, at: 100)
        #expect(ended == nil && first.expiresAt == 110)
        let bound = try #require(claims.claim(forTrack: 7, at: 101))
        #expect(bound.bound && bound.claim.track == 7 && bound.claim.subject == alice)
        #expect(claims.claim(forTrack: 8, at: 101) == nil, "another face is not compared")
        #expect(claims.claim(forTrack: 7, at: 102)?.bound == false)
        #expect(claims.isOpen(first.id))
        #expect(claims.close(first.id)?.id == first.id)
        #expect(!claims.isOpen(first.id), "a face still queued for it no longer votes")
        #expect(claims.close(first.id) == nil, "closed once")
        let (second, _) = claims.open(for: bob, at: 200)
        #expect(claims.expire(at: 209) == nil)
        #expect(claims.claim(forTrack: 3, at: 210) == nil, "its window has passed")
        #expect(claims.expire(at: 210)?.id == second.id)
        let (third, _) = claims.open(for: alice, at: 300)
        let (_, replaced) = claims.open(for: bob, at: 301)
        #expect(replaced?.id == third.id, "a new card ends the claim before it")
    }

    @Test("1:1: the claimed subject below the threshold with consent; anything else is no match, never another subject")
    func verify() {
        let alice = SubjectID.random()
        let member = MatchDecision.verify(claimed: alice, distance: 0.4, threshold: 0.6, hasConsent: true, isDenyListed: false)
        #expect(member == MatchDecision(kind: .member, subject: alice, distance: 0.4))
        #expect(MatchDecision.verify(claimed: alice, distance: 0.4, threshold: 0.6, hasConsent: true, isDenyListed: true).kind == .alert)
        #expect(MatchDecision.verify(claimed: alice, distance: 0.61, threshold: 0.6, hasConsent: true, isDenyListed: false) == .unknown)
        #expect(MatchDecision.verify(claimed: alice, distance: 0.4, threshold: 0.6, hasConsent: false, isDenyListed: false) == .unknown)
        #expect(MatchDecision.verify(claimed: alice, distance: nil, threshold: 0.6, hasConsent: true, isDenyListed: false) == .unknown)
    }
}
