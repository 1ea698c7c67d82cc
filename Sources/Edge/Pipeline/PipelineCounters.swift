public import CoreMetrics
import FaceEngine
public import FacegateCore
import Synchronization

/// What the pipeline has done: frames, faces, embeddings, decisions by kind, and the
/// latency of each stage (recent samples, for medians and 95th percentiles). Counts,
/// never identities. The same events also go to swift-metrics objects made by the
/// injected factory (`PipelineMetrics`: the daemon's `/metrics`), and the recent
/// frames' times to `cameraHealth(at:)`.
public final class PipelineCounters: Sendable {
    struct State {
        var frames = 0
        var enhancedFrames = 0
        var tooDarkFrames = 0
        var faces = 0
        var smallFaces = 0
        var outsideZone = 0
        var embeddings = 0
        var verifications = 0
        var claims = 0
        var claimsMatched = 0
        var decisions: [String: Int] = ["member": 0, "unknown": 0, "alert": 0]
        var samples: [String: [Double]] = [:]
        var started: ContinuousClock.Instant?
        var lastFrame: ContinuousClock.Instant?
        /// The frames of the last `CameraHealth.recentSeconds`: when, and whether enhanced.
        var recent: [CameraHealth.Frame] = []
        var running = false
        /// False while the source has lost its device (`FrameSource.reportConnection`).
        var connected = true
    }

    private let state = Mutex(State())
    private let metrics: PipelineMetrics
    static let sampleLimit = 20_000

    /// `metrics` makes the swift-metrics objects the pipeline also counts through (the
    /// daemon's Prometheus factory); by default they count nowhere.
    public init(metrics: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.metrics = PipelineMetrics(factory: metrics)
    }

    func frame(light: FrameLight, at instant: ContinuousClock.Instant) {
        state.withLock { state in
            if state.started == nil { state.started = instant }
            state.lastFrame = instant
            state.frames += 1
            if light != .normal { state.enhancedFrames += 1 }
            if light == .tooDark { state.tooDarkFrames += 1 }
            state.recent.append(CameraHealth.Frame(at: instant, light: light))
            let horizon = instant - .seconds(CameraHealth.recentSeconds)
            if let first = state.recent.firstIndex(where: { $0.at >= horizon }), first > 0 { state.recent.removeFirst(first) }
        }
        metrics.frames.increment()
        if light == .tooDark { metrics.tooDarkFrames.increment() }
    }

    func faces(kept: Int, tooSmall: Int, outsideZone: Int) {
        state.withLock {
            $0.faces += kept
            $0.smallFaces += tooSmall
            $0.outsideZone += outsideZone
        }
        metrics.faces.increment(by: kept)
    }

    func embeddings(_ count: Int) {
        state.withLock { $0.embeddings += count }
        metrics.embeddings.increment(by: count)
    }

    /// The pipeline's threads started (true) or both ended (false).
    func running(_ running: Bool) { state.withLock { $0.running = running } }

    /// The source lost its device (false) or has frames again (true).
    func connected(_ connected: Bool) { state.withLock { $0.connected = connected } }

    /// The camera's health now: whether frames are arriving, at what rate, and how many
    /// needed low-light enhancement.
    public func cameraHealth(at now: ContinuousClock.Instant = .now) -> CameraHealth {
        state.withLock { state in
            CameraHealth(
                running: state.running, connected: state.connected, recent: state.recent, lastFrame: state.lastFrame, now: now)
        }
    }

    /// One face compared with a claimed subject's templates only (1:1).
    func verification() { state.withLock { $0.verifications += 1 } }

    /// A card presented for a claim (known or not).
    func claimOpened() { state.withLock { $0.claims += 1 } }

    func claimMatched() { state.withLock { $0.claimsMatched += 1 } }

    func decision(_ kind: MatchDecision.Kind) {
        state.withLock { $0.decisions[kind.rawValue, default: 0] += 1 }
        metrics.decisions[kind.rawValue]?.increment()
    }

    func sample(_ stage: String, milliseconds: Double) {
        state.withLock { state in
            var values = state.samples[stage, default: []]
            if values.count >= Self.sampleLimit { values.removeFirst(values.count / 2) }
            values.append(milliseconds)
            state.samples[stage] = values
        }
        metrics.stageSeconds[stage]?.recordNanoseconds(Int64((milliseconds * 1_000_000).rounded()))
    }

    public var embeddingCount: Int { state.withLock { $0.embeddings } }
    public var verificationCount: Int { state.withLock { $0.verifications } }
    public var frameCount: Int { state.withLock { $0.frames } }

    /// `{"frames":…,"faces":…,"outside_zone":…,"embeddings":…,"decisions":{…},"claims":…,"claim_matched":…,
    /// "claim_mismatch":…,"claim_timeout":…,"fps":…,"latency_ms":{stage:{median,p95}}}`. `faces` counts the faces
    /// wide enough in each frame, `outside_zone` those of them that were not stepping up to the door (never
    /// processed), `verifications` the 1:1 comparisons made for claims.
    public var json: JSONValue {
        state.withLock { state in
            var elapsed = 0.0
            if let started = state.started, let last = state.lastFrame { elapsed = (last - started).milliseconds / 1000 }
            let fps = elapsed > 0 ? Double(state.frames - 1) / elapsed : 0
            var latency = JSONObject()
            for stage in state.samples.keys.sorted() {
                if let stats = Statistics(state.samples[stage]!) {
                    latency[stage] = [
                        "median": .double((stats.median * 100).rounded() / 100), "p95": .double((stats.p95 * 100).rounded() / 100),
                        "n": .int(stats.count),
                    ]
                }
            }
            return [
                "frames": .int(state.frames), "enhanced_frames": .int(state.enhancedFrames),
                "too_dark_frames": .int(state.tooDarkFrames), "faces": .int(state.faces),
                "small_faces_skipped": .int(state.smallFaces), "outside_zone": .int(state.outsideZone),
                "embeddings": .int(state.embeddings), "verifications": .int(state.verifications), "claims": .int(state.claims),
                "claim_matched": .int(state.claimsMatched),
                "claim_mismatch": .int(state.decisions[MatchDecision.Kind.claimMismatch.rawValue] ?? 0),
                "claim_timeout": .int(state.decisions[MatchDecision.Kind.claimTimeout.rawValue] ?? 0),
                "claim_unknown_card": .int(state.decisions[MatchDecision.Kind.claimUnknownCard.rawValue] ?? 0),
                "card_entries": .int(state.decisions[MatchDecision.Kind.card.rawValue] ?? 0),
                "decisions": .object(JSONObject(state.decisions.keys.sorted().map { ($0, .int(state.decisions[$0]!)) })),
                "fps": .double((fps * 10).rounded() / 10), "latency_ms": .object(latency),
            ]
        }
    }
}
