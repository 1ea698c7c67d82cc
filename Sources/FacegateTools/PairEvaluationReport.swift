public import FaceEngine

/// What `PairEvaluator` found: which pairs and images could be used, and the metrics
/// over the pairs whose two images both gave a face.
public struct PairEvaluationReport: Sendable {
    /// An image that could not be decoded or analysed, and why.
    public struct ImageFailure: Sendable, Equatable {
        /// The file as written in the list.
        public var file: String
        public var error: FaceEngineError
    }

    public var totalPairs: Int
    /// Pairs whose two images both gave a descriptor: the ones the metrics cover.
    public var usedPairs: Int
    /// Distinct images the pairs name.
    public var images: Int
    /// Images in which the detector found no face, as written in the list, sorted.
    public var imagesWithoutFace: [String]
    /// Images that could not be read or decoded, sorted by file.
    public var unreadableImages: [ImageFailure]
    public var metrics: VerificationMetrics
    /// Wall-clock seconds spent embedding the images.
    public var embeddingSeconds: Double
    /// The 1:1 against 1:N false-accept comparison, when it was asked for.
    public var openSet: OpenSetReport? = nil
    /// Jittered copies each template averaged (0: plain templates). `metrics` compare a
    /// (jittered) template with a plain probe, as the door does.
    public var jitter = 0
    /// With `jitter`, the metrics with both images of each pair jittered: dlib's own
    /// LFW protocol (not the door's).
    public var bothJittered: VerificationMetrics? = nil
    /// The open-set identification report, when it was asked for.
    public var identification: IdentificationReport? = nil

    public var excludedPairs: Int { totalPairs - usedPairs }
}
