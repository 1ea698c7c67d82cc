import Edge
import FacegateCore
import Testing

@Suite("Camera health")
struct CameraHealthTests {
    @Test("up while running with a recent frame; rate and enhanced share over the recent window only")
    func health() {
        let start = ContinuousClock.now
        // 12 s of frames at 10 per second, the last 2 s of them enhanced (the lights dimmed).
        let frames = (0..<120).map { index in
            CameraHealth.Frame(at: start.advanced(by: .milliseconds(100 * index)), enhanced: index >= 100)
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
        #expect(Set(health.json.objectValue?.entries.map(\.key) ?? []) == ["up", "fps", "last_frame_seconds_ago", "enhanced_share"])
    }
}
