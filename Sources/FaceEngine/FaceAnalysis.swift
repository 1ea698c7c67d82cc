public import FacegateCore

/// What the engine found in one image.
public struct FaceAnalysis: Sendable {
    /// One face: its box and, when asked for, its landmarks and descriptor.
    public struct Face: Sendable {
        /// The detector's box in original-image coordinates (may reach past the edges).
        public var box: FaceBox
        public var landmarks: FaceLandmarks?
        public var descriptor: FaceDescriptor?
        /// How turned and how sharp the face is (with the descriptor).
        public var quality: FaceQuality?
    }

    public var width: Int
    public var height: Int
    public var faces: [Face]
    public var timings: StageTimings
}

/// Milliseconds spent in each stage of one image.
public struct StageTimings: Sendable, Equatable {
    public var decode: Double = 0
    public var detect: Double = 0
    /// Fitting the 5-point landmarks.
    public var align: Double = 0
    /// Extracting the aligned 150x150 chips and running the descriptor network (the
    /// split of the reference pipeline, whose `compute_face_descriptor` does both).
    public var embed: Double = 0

    public init(decode: Double = 0, detect: Double = 0, align: Double = 0, embed: Double = 0) {
        self.decode = decode
        self.detect = detect
        self.align = align
        self.embed = embed
    }

    public var total: Double { decode + detect + align + embed }
}
