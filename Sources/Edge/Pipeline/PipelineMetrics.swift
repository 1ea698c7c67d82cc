public import CoreMetrics

/// The swift-metrics objects the pipeline counts through besides `PipelineCounters`'
/// own numbers: frames, faces, embeddings, decisions by kind and each stage's latency.
/// They are made by the factory the daemon injects (a Prometheus registry's, served at
/// the console's `/metrics`); elsewhere by swift-metrics' no-op factory. The global
/// `MetricsSystem` is never bootstrapped: two daemons' worth of tests in one process
/// would fight over it. No label names a person: the only labels are a decision's kind
/// and a stage's name.
struct PipelineMetrics: Sendable {
    /// The stages whose latency is measured, in the order of a frame's way.
    static let stages = ["detect", "embed", "frame", "decision"]

    let frames: Counter
    /// Frames too dark for enhancement to help (`FrameLight.tooDark`).
    let tooDarkFrames: Counter
    let faces: Counter
    let embeddings: Counter
    let decisions: [String: Counter]
    let stageSeconds: [String: Timer]

    init(factory: any MetricsFactory) {
        frames = Counter(label: "facegate_frames_total", factory: factory)
        tooDarkFrames = Counter(label: "facegate_frames_too_dark_total", factory: factory)
        faces = Counter(label: "facegate_faces_total", factory: factory)
        embeddings = Counter(label: "facegate_embeddings_total", factory: factory)
        // Every kind from the start, so that a kind not seen yet reads 0 rather than missing.
        decisions = Dictionary(
            uniqueKeysWithValues: MatchDecision.Kind.allCases.map {
                ($0.rawValue, Counter(label: "facegate_decisions_total", dimensions: [("decision", $0.rawValue)], factory: factory))
            })
        stageSeconds = Dictionary(
            uniqueKeysWithValues: Self.stages.map {
                ($0, Timer(label: "facegate_stage_seconds", dimensions: [("stage", $0)], factory: factory))
            })
    }
}
