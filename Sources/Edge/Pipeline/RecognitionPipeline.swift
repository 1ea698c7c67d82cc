public import Consent
public import CoreMetrics
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
/// landmarks and descriptors, asks the `Recognizer` (1:N search, or 1:1 against a
/// card's claimed subject; probe wiped at once; consent and deny-list) and votes per
/// track; a settled vote goes to the `DecisionRecorder`.
///
/// Only the people who ask are processed (the policy's `trigger`): under `zone` a
/// face is embedded only once it has stood in the door zone (`DoorGate`); under
/// `claim` only the first such face while a card's claim is open (`DoorClaims`), and
/// only against that card's holder; under `always` every face. Faces narrower than
/// `min_face_px` are never aligned or embedded; nothing about a face that is not a
/// member is stored beyond a daily counter; no frame or crop is ever written anywhere.
public final class RecognitionPipeline: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Under `rule = "fixed"`, the threshold and margin; otherwise the registry
        /// derives them for the gallery's size at each decision.
        public var threshold: Double
        public var margin: Double
        public var rule: RecognitionRuleSource
        public var minFacePixels: Int
        public var upsample: Int
        public var voteFrames: Int
        public var recheckFrames: Int
        public var lowLightLuma: Double
        /// Who is processed.
        public var trigger: DoorTrigger
        /// The door zone faces must stand in (nil under `always`).
        public var gate: DoorGate?
        /// How long a card's claim waits for a face.
        public var claimSeconds: Double
        /// Pace a file source at its frame rate instead of as fast as possible.
        public var realtime: Bool
        /// Start a file source again at its end.
        public var loop: Bool

        public init(policy: Policy.Recognition, realtime: Bool = false, loop: Bool = false) {
            threshold = policy.threshold
            margin = policy.margin
            rule = policy.rule
            minFacePixels = policy.minFacePixels
            upsample = policy.upsample
            voteFrames = policy.voteFrames
            recheckFrames = policy.recheckFrames
            lowLightLuma = policy.lowLightLuma
            trigger = policy.trigger
            gate = DoorGate(policy: policy)
            claimSeconds = policy.claimSeconds
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

    public let counters: PipelineCounters
    /// What the admin operations reach of this door: claims and card entries.
    public let door: DoorDesk
    let engine: FaceEngine
    let recognizer: Recognizer
    let recorder: DecisionRecorder
    let source: any FrameSource
    let configuration: Configuration
    let clock: any WallClock
    let logger: Logger
    let hooks: Hooks
    let relay: RelayHook?
    private let tracker: SharedTracker
    private let stopped = Atomic<Bool>(false)
    private let enhancer: LowLightEnhancer

    private struct Work {
        struct Face {
            let track: Int
            let box: FaceBox
            /// The card's claim this face answers (1:1), under the claim trigger.
            let claim: DoorClaims.Claim?
        }

        let image: RGBImage
        let frameIndex: Int
        let receivedAt: ContinuousClock.Instant
        let faces: [Face]
    }

    public init(
        engine: FaceEngine, registry: ConsentRegistry, source: any FrameSource, configuration: Configuration,
        clock: any WallClock = SystemWallClock(), relay: RelayHook? = nil, hooks: Hooks = Hooks(),
        metrics: any MetricsFactory = NOOPMetricsHandler.instance, logger: Logger,
        emit: @escaping @Sendable (PipelineEvent) -> Void
    ) {
        self.counters = PipelineCounters(metrics: metrics)
        self.engine = engine
        self.recognizer =
            configuration.rule == .fixed
            ? Recognizer(registry: registry, threshold: configuration.threshold, margin: configuration.margin)
            : Recognizer(registry: registry)
        self.source = source
        self.configuration = configuration
        self.clock = clock
        self.relay = relay
        self.hooks = hooks
        self.logger = logger
        recorder = DecisionRecorder(registry: registry, counters: counters, relay: relay, logger: logger, emit: emit)
        let tracker = SharedTracker(
            FaceTracker(voteFrames: configuration.voteFrames, recheckFrames: configuration.recheckFrames, gate: configuration.gate))
        self.tracker = tracker
        door = DoorDesk(
            trigger: configuration.trigger, claims: DoorClaims(seconds: configuration.claimSeconds), recorder: recorder, counters: counters,
            clock: clock, cardPresented: { tracker.withLock { _ = $0.cardPresented() } })
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
        counters.running(true)
        defer { counters.running(false) }
        source.stopWaiting { [weak self] in self?.isStopped ?? true }
        let counters = self.counters
        let logger = self.logger
        let name = source.name
        source.reportConnection { connected in
            counters.connected(connected)
            // The device's name only (`v4l2:/dev/video0`, `rtsp://HOST:PORT`): never a path.
            if connected {
                logger.info("the camera sends frames again", metadata: ["source": "\(name)"])
            } else {
                logger.warning("the camera is gone; waiting for it to come back", metadata: ["source": "\(name)"])
            }
        }
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
        // A claim still open when the door stops is answered: no face came in time.
        door.expireClaim(force: true)
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
        // The media time of the frames, going on across loops of a file source: how
        // long a face has stood at the door is counted in it.
        var timeOffset = 0.0
        var lastTime = 0.0
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
                    timeOffset = lastTime + 1 / (source.frameRate ?? DoorGate.referenceFrameRate)
                    continue
                }
                break
            }
            sinceRewind += 1
            lastTime = timeOffset + frame.timestamp
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
            let (enhanced, light) = enhancer.prepare(frame.image)
            let image = enhanced ?? frame.image
            // Detect everything HOG can see at this scale, then keep only faces wide
            // enough: the others are never aligned or embedded.
            let boxes = try engine.detect(in: image, options: detection)
            let kept = boxes.filter { $0.width >= configuration.minFacePixels }
            counters.frame(light: light, at: received)
            counters.sample("detect", milliseconds: (ContinuousClock.now - received).milliseconds)
            // Every face is tracked; only those stepping up to the door may be embedded.
            let assignments = tracker.withLock {
                $0.update(frame: sequence, time: lastTime, boxes: kept, width: image.width, height: image.height)
            }
            counters.faces(
                kept: kept.count, tooSmall: boxes.count - kept.count, outsideZone: assignments.filter { $0.place == .outside }.count)
            let toEmbed = faces(toEmbed: assignments)
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

    /// The faces of this frame to embed: under `claim` only the face bound to the open
    /// claim (the first to stand in the zone while it is open; of several at once, the
    /// largest: the nearest to the camera), otherwise every face the tracker says may be.
    private func faces(toEmbed assignments: [FaceTracker.Assignment]) -> [Work.Face] {
        guard configuration.trigger == .claim else {
            return assignments.filter(\.embed).map { Work.Face(track: $0.track, box: $0.box, claim: nil) }
        }
        door.expireClaim()
        var faces: [Work.Face] = []
        let now = clock.now()
        for assignment in assignments.filter(\.embed).sorted(by: { $0.box.area > $1.box.area }) {
            guard let (claim, bound) = door.claims.claim(forTrack: assignment.track, at: now) else { continue }
            // A face decided before this card needs a decision of its own.
            if bound { tracker.withLock { $0.restartVote(track: assignment.track) } }
            faces.append(Work.Face(track: assignment.track, box: assignment.box, claim: claim))
        }
        return faces
    }

    // MARK: Stage 2: landmarks, descriptors, search, vote, decision

    private func embedLoop(_ queue: BoundedQueue<Work>) throws {
        var journalDamaged = false
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
                journalDamaged = false
            } catch {
                let damaged = (error as? any UserFacingError)?.errorCode == "journal_damaged"
                if !damaged || !journalDamaged {
                    logger.error("applying erasures from the journal failed", metadata: ["error": "\(error)"])
                }
                // A damaged journal may hide an erasure: nobody is decided until it is
                // repaired (the breach event is recorded where the damage was met).
                if damaged {
                    journalDamaged = true
                    for descriptor in descriptors {
                        descriptor.wipe()
                        hooks.afterProbeWiped(descriptor)
                    }
                    continue
                }
            }
            for (face, descriptor) in zip(work.faces, descriptors) {
                let decision: MatchDecision
                if let claim = face.claim, !door.claims.isOpen(claim.id) {
                    // Queued for a claim that has ended (answered, timed out, or replaced by
                    // a new card): its vote must not count towards another claim.
                    descriptor.wipe()
                    hooks.afterProbeWiped(descriptor)
                    continue
                } else if let claim = face.claim {
                    // 1:1: the card's holder only; the gallery is never searched.
                    decision = recognizer.verify(descriptor, claimed: claim.subject, afterWipe: hooks.afterProbeWiped)
                    counters.verification()
                } else {
                    decision = recognizer.decide(descriptor, afterWipe: hooks.afterProbeWiped)
                }
                guard let settled = tracker.withLock({ $0.vote(track: face.track, decision) }) else { continue }
                var outcome = settled.decision
                if let claim = face.claim {
                    // Timed out, or another card came, while this face was voting.
                    guard door.claims.close(claim.id) != nil else { continue }
                    if outcome.kind == .unknown { outcome = MatchDecision(kind: .claimMismatch, subject: claim.subject, distance: nil) }
                }
                let event = PipelineEvent(
                    time: clock.now(), track: face.track, decision: outcome, frames: settled.frames,
                    latencyMilliseconds: (ContinuousClock.now - work.receivedAt).milliseconds, claim: face.claim?.id)
                recorder.record(event)
            }
            counters.sample("frame", milliseconds: (ContinuousClock.now - work.receivedAt).milliseconds)
        }
    }
}
