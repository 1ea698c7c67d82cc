import Edge
import FaceEngine
import FacegateCore
import FacegateTestSupport
import Testing

@Suite("Camera health", .perTestLimit)
struct CameraHealthTests {
    @Test("up while running with a recent frame; rate and enhanced share over the recent window only")
    func health() {
        let start = ContinuousClock.now
        // 12 s of frames at 10 per second, the last 2 s of them enhanced (the lights dimmed).
        let frames = (0..<120).map { index in
            CameraHealth.Frame(at: start.advanced(by: .milliseconds(100 * index)), light: index >= 100 ? .enhanced : .normal)
        }
        let last = frames[frames.count - 1].at
        let now = last.advanced(by: .milliseconds(450))
        let health = CameraHealth(running: true, recent: frames, lastFrame: last, now: now)
        #expect(health.up)
        #expect(abs(health.framesPerSecond - 10) < 0.01)
        #expect(abs((health.secondsSinceLastFrame ?? 0) - 0.45) < 1e-9)
        // The window holds the frames of the last 10 s: 96 of them (2.4 s to 11.9 s), 20 enhanced.
        #expect(abs(health.enhancedShare - 20.0 / 96.0) < 1e-9)
        // Silent for longer than upWithinSeconds: down, though the pipeline runs.
        let stale = CameraHealth(
            running: true, recent: frames, lastFrame: last, now: last.advanced(by: .seconds(CameraHealth.upWithinSeconds + 1)))
        #expect(!stale.up)
        // A pipeline that has ended is down at once; before any frame nothing is known.
        #expect(!CameraHealth(running: false, recent: frames, lastFrame: last, now: now).up)
        let fresh = CameraHealth(running: true, recent: [], lastFrame: nil, now: now)
        #expect(!fresh.up && fresh.secondsSinceLastFrame == nil && fresh.framesPerSecond == 0 && fresh.enhancedShare == 0)
        #expect(fresh.json["last_frame_seconds_ago"] == .null)
        #expect(
            Set(health.json.objectValue?.entries.map(\.key) ?? []) == [
                "up", "fps", "last_frame_seconds_ago", "enhanced_share", "too_dark_share", "needs_light",
            ])
        #expect(health.tooDarkShare == 0 && !health.needsLight)
    }

    @Test("a source that has lost its device is down at once, though its last frame is recent")
    func disconnected() {
        let start = ContinuousClock.now
        let frames = (0..<30).map { CameraHealth.Frame(at: start.advanced(by: .milliseconds(33 * $0)), light: .normal) }
        let last = frames[frames.count - 1].at
        let now = last.advanced(by: .milliseconds(300))
        #expect(CameraHealth(running: true, connected: true, recent: frames, lastFrame: last, now: now).up)
        let lost = CameraHealth(running: true, connected: false, recent: frames, lastFrame: last, now: now)
        #expect(!lost.up)
        #expect(lost.secondsSinceLastFrame ?? 9 < 1)
    }

    @Test("the door needs light when most recent frames are too dark, not when a few are")
    func needsLight() {
        let start = ContinuousClock.now
        // 10 s at 10 frames per second; the lamp goes out after `litFrames` of them.
        func health(litFrames: Int) -> CameraHealth {
            let frames = (0..<100).map { index in
                CameraHealth.Frame(at: start.advanced(by: .milliseconds(100 * index)), light: index < litFrames ? .normal : .tooDark)
            }
            return CameraHealth(running: true, recent: frames, lastFrame: frames[99].at, now: frames[99].at)
        }
        let shadow = health(litFrames: 90)
        #expect(abs(shadow.tooDarkShare - 0.1) < 1e-9 && !shadow.needsLight)
        #expect(abs(shadow.enhancedShare - 0.1) < 1e-9)
        let night = health(litFrames: 30)
        #expect(abs(night.tooDarkShare - 0.7) < 1e-9 && night.needsLight)
        #expect(night.json["needs_light"] == .bool(true))
        // Exactly half is not most.
        #expect(!health(litFrames: 50).needsLight)
    }

    @Test("a frame's light: bright frames pass, dark ones are enhanced, near-black ones are too dark")
    func frameLight() {
        func flat(_ level: UInt8) -> RGBImage {
            let image = RGBImage(width: 64, height: 48)
            image.withUnsafeMutablePixels { pixels in
                for i in 0..<pixels.count { pixels[i] = i % 7 == 0 ? level &+ 6 : level }
            }
            return image
        }
        let enhancer = LowLightEnhancer(threshold: 70)
        #expect(enhancer.prepare(flat(120)).light == .normal)
        #expect(enhancer.prepare(flat(120)).enhanced == nil)
        let dim = enhancer.prepare(flat(40))
        #expect(dim.light == .enhanced && dim.enhanced != nil)
        let black = enhancer.prepare(flat(UInt8(LowLightEnhancer.tooDarkLuma) - 4))
        #expect(black.light == .tooDark)
        // With enhancement off (threshold 0), a black frame is still reported too dark.
        #expect(LowLightEnhancer(threshold: 0).prepare(flat(2)).light == .tooDark)
    }
}
