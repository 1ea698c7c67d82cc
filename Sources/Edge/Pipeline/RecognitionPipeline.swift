public import Consent
public import FaceEngine
public import FacegateCore
public import Logging
import Synchronization
import Vault

#if canImport(Glibc)
    import Glibc
#endif

/// Turns frames into decisions, on two OS threads joined by a bounded queue:
/// `fg-detect` reads the source, enhances low light, runs HOG on a frame downscaled so
/// that `min_face_px` fills the detection window and tracks faces; `fg-embed` computes
/// landmarks and descriptors, asks the `Recognizer` (1:N search, probe wiped at once,
/// consent and deny-list) and votes per track; a settled vote goes to the
/// `DecisionRecorder`. Faces narrower than `min_face_px` are never aligned or embedded;
/// nothing about a face that is not a member is stored beyond a daily counter; no
/// frame or crop is ever written anywhere.
public final class RecognitionPipeline: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var threshold: Double
        public var margin: Double
        public var minFacePixels: Int
        public var upsample: Int
        public var voteFrames: Int
        public var recheckFrames: Int
        public var lowLightLuma: Double
        /// Pace a file source at its frame rate instead of as fast as possible.
        public var realtime: Bool
        /// Start a file source again at its end.
        public var loop: Bool

        public init(policy: Policy.Recognition, realtime: Bool = false, loop: Bool = false) {
            threshold = policy.threshold
            margin = policy.margin
            minFacePixels = policy.minFacePixels
            upsample = policy.upsample
            voteFrames = policy.voteFrames
            recheckFrames = policy.recheckFrames
            lowLightLuma = policy.lowLightLuma
            self.realtime = realtime
            self.loop = loop
        }
    }

    /// Observation points for tests.
    public struct Hooks: Sendable {
        /// Called with each probe descriptor once it has been matched and wiped, so
        /// that a test can check nothing of it is left.
        public var afterProbeWiped: @Sendable (FaceDescriptor) -> Void = { _ in }

        public init() {}
    }

    public let counters = PipelineCounters()
    let engine: FaceEngine
    let recognizer: Recognizer
    let recorder: DecisionRecorder
    let source: any FrameSource
    let configuration: Configuration
    let clock: any WallClock
    let logger: Logger
    let hooks: Hooks
    let relay: RelayHook?
    private let tracker: Mutex<FaceTracker>
    private let stopped = Atomic<Bool>(false)
    private let enhancer: LowLightEnhancer

    private struct Work {
        let image: RGBImage
        let frameIndex: Int
        let receivedAt: ContinuousClock.Instant
        let faces: [(track: Int, box: FaceBox)]
    }

    public init(
        engine: FaceEngine, registry: ConsentRegistry, source: any FrameSource, configuration: Configuration,
        clock: any WallClock = SystemWallClock(), relay: RelayHook? = nil, hooks: Hooks = Hooks(), logger: Logger,
        emit: @escaping @Sendable (PipelineEvent) -> Void
    ) {
        self.engine = engine
        self.recognizer = Recognizer(registry: registry, threshold: configuration.threshold, margin: configuration.margin)
        self.source = source
        self.configuration = configuration
        self.clock = clock
        self.relay = relay
        self.hooks = hooks
        self.logger = logger
        recorder = DecisionRecorder(registry: registry, counters: counters, relay: relay, logger: logger, emit: emit)
        tracker = Mutex(FaceTracker(voteFrames: configuration.voteFrames, recheckFrames: configuration.recheckFrames))
        enhancer = LowLightEnhancer(threshold: configuration.lowLightLuma)
    }

    /// Asks both threads to finish after their current frame.
    public func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
    }

    public var isStopped: Bool { stopped.load(ordering: .sequentiallyConsistent) }

    /// Runs until the source ends (a file without `loop`) or `stop()`; the two stages
    /// run on two threads of their own.
    public func run() async throws {
        BLASThreads.limit(to: 1)
        source.stopWaiting { [weak self] in self?.isStopped ?? true }
        let queue = BoundedQueue<Work>(capacity: 2)
        let failure = Mutex<(any Error)?>(nil)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let countdown = Countdown(2) { done.resume() }
            PipelineThread.start(name: "fg-detect") {
                do { try self.detectLoop(queue) } catch { failure.withLock { $0 = $0 ?? error } }
                queue.close()
                countdown.tick()
            }
            PipelineThread.start(name: "fg-embed") {
                do { try self.embedLoop(queue) } catch {
                    failure.withLock { $0 = $0 ?? error }
                    self.stop()
                    while queue.take() != nil {}
                }
                countdown.tick()
            }
        }
        source.close()
        relay?.terminateAll()
        if let error = failure.withLock({ $0 }) { throw error }
    }

    // MARK: Stage 1: frames, enhancement, detection, tracking

    private func detectLoop(_ queue: BoundedQueue<Work>) throws {
        let dropWhenBehind = source.isLive
        // HOG runs on the frame scaled so that `min_face_px` fills its window; every
        // face it sees is found, then the narrow ones are dropped before anything else.
        let sized = DetectionOptions(upsample: configuration.upsample, minFaceSize: configuration.minFacePixels)
        let detection = DetectionOptions(model: .hog, upsample: sized.upsample, minFaceSize: nil, scale: sized.hogScale)
        let start = ContinuousClock.now
        var played = 0
        var sinceRewind = 0
        while !isStopped {
            guard let frame = try source.nextFrame() else {
                // A source that gives nothing would otherwise loop at full speed forever.
                guard sinceRewind > 0 else {
                    throw CaptureError(
                        .malformed, "\(source.name) has no frame facegate can decode (an empty video, or a folder without readable images)")
                }
                if configuration.loop, !isStopped {
                    try source.rewind()
                    sinceRewind = 0
                    continue
                }
                break
            }
            sinceRewind += 1
            if configuration.realtime, let rate = source.frameRate, rate > 0 {
                let due = start.advanced(by: .seconds(Double(played) / rate))
                let wait = (due - ContinuousClock.now).milliseconds
                if wait > 0 { usleep(UInt32(wait * 1000)) }
            }
            // Frame numbers go on across loops of a file source, so tracks end and a
            // person who comes back is decided again.
            let sequence = played
            played += 1
            // After pacing: latency is counted from when the frame is due, not read.
            let received = ContinuousClock.now
            let enhanced = enhancer.enhance(frame.image)
            let image = enhanced ?? frame.image
            // Detect everything HOG can see at this scale, then keep only faces wide
            // enough: the others are never aligned or embedded.
            let boxes = try engine.detect(in: image, options: detection)
            let kept = boxes.filter { $0.width >= configuration.minFacePixels }
            counters.frame(enhanced: enhanced != nil, at: received)
            counters.faces(kept: kept.count, tooSmall: boxes.count - kept.count)
            counters.sample("detect", milliseconds: (ContinuousClock.now - received).milliseconds)
            let assignments = tracker.withLock { $0.update(frame: sequence, boxes: kept) }
            let toEmbed = assignments.filter(\.embed).map { ($0.track, $0.box) }
            if toEmbed.isEmpty {
                counters.sample("frame", milliseconds: (ContinuousClock.now - received).milliseconds)
                continue
            }
            let work = Work(image: image, frameIndex: sequence, receivedAt: received, faces: toEmbed)
            if !queue.put(work, dropIfFull: dropWhenBehind) {
                counters.sample("frame", milliseconds: (ContinuousClock.now - received).milliseconds)
            }
        }
    }

    // MARK: Stage 2: landmarks, descriptors, search, vote, decision

    private func embedLoop(_ queue: BoundedQueue<Work>) throws {
        while let work = queue.take() {
            let start = ContinuousClock.now
            let landmarks = try engine.landmarks(in: work.image, for: work.faces.map(\.box))
            let chips = try engine.alignedChips(in: work.image, for: landmarks)
            let descriptors = try engine.descriptors(of: chips)
            counters.embeddings(descriptors.count)
            counters.sample("embed", milliseconds: (ContinuousClock.now - start).milliseconds)
            do {
                // An erasure made by any other process takes effect before this decision.
                try recognizer.catchUpWithErasures()
            } catch {
                logger.error("applying erasures from the journal failed", metadata: ["error": "\(error)"])
            }
            for (face, descriptor) in zip(work.faces, descriptors) {
                let decision = recognizer.decide(descriptor, afterWipe: hooks.afterProbeWiped)
                guard let settled = tracker.withLock({ $0.vote(track: face.track, decision) }) else { continue }
                let event = PipelineEvent(
                    time: clock.now(), track: face.track, decision: settled.decision, frames: settled.frames,
                    latencyMilliseconds: (ContinuousClock.now - work.receivedAt).milliseconds)
                recorder.record(event)
            }
            counters.sample("frame", milliseconds: (ContinuousClock.now - work.receivedAt).milliseconds)
        }
    }
}
