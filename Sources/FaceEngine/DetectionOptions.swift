/// How to look for faces in one image.
public struct DetectionOptions: Sendable, Equatable {
    /// Which detector runs.
    public enum Model: String, Sendable, CaseIterable {
        /// dlib's HOG + linear SVM frontal detector: fast on a CPU, finds faces of about
        /// 80 px and larger (40 px with one upsample).
        case hog
        /// dlib's MMOD CNN detector: slower, finds turned faces HOG misses.
        case cnn
    }

    /// Which detector a photo command asks for: one of the two, or HOG with fallbacks.
    public enum Detector: String, Sendable, CaseIterable {
        /// HOG only, one pass.
        case hog
        /// MMOD only (downscaled to `DetectionPlan.mmodPixelBudget`).
        case cnn
        /// HOG; when it finds no face, HOG with one more doubling, then MMOD. The
        /// default for photos: a person asking to be recognised is never answered
        /// "no face" while a detector could still find one.
        case auto
    }

    /// How the resolution HOG works at is decided.
    public enum Resolution: Sendable, Equatable {
        /// At the image's size (or `hogScale`), doubled `upsample` times: the
        /// reference's behaviour, and the camera pipeline's.
        case fixed
        /// Chosen per image by `DetectionPlan` so that every face at least
        /// `smallestFace` px wide is found on as few pixels as possible, HOG scanning
        /// at most `pixelBudget` pixels when one is given. `upsample` and `hogScale`
        /// are ignored; landmarks and descriptors still use the full image.
        case planned(smallestFace: Int, pixelBudget: Int?)
    }

    /// The side of the HOG detection window: faces much smaller than this are missed.
    public static let hogWindowSize = 80

    public var model: Model
    /// Times the image is doubled before detection (dlib's pyramid_up), to find small faces.
    public var upsample: Int
    /// Faces narrower than this many pixels are dropped, and the image is downscaled
    /// before HOG so that a face of this size fills the detection window: large frames
    /// with close faces become cheap. `nil` keeps the image at full size.
    public var minFaceSize: Int?

    /// The defaults of the reference pipeline (face_recognition's `face_locations`):
    /// HOG, one upsample, no minimum size.
    public init(model: Model = .hog, upsample: Int = 1, minFaceSize: Int? = nil, scale: Double? = nil) {
        self.model = model
        self.upsample = upsample
        self.minFaceSize = minFaceSize
        self.explicitScale = scale
    }

    /// A scale that overrides the one `minFaceSize` implies (the pipeline detects at the
    /// minimum face's scale but counts the smaller faces it sees before dropping them).
    public var explicitScale: Double?

    /// Fixed (the reference's full resolution) unless made by `photo`.
    public var resolution: Resolution = .fixed

    /// When the first pass finds no face: retry HOG with one more doubling (within
    /// `DetectionPlan.retryPixelBudget`), then MMOD. Off by default, and always off
    /// for the camera pipeline, whose frames come many times a second.
    public var fallback = false

    /// The options for photos: `detector` (HOG with fallbacks unless asked), with the
    /// working resolution chosen per photo. An explicit `upsample` keeps the photo at
    /// full size, as asked. An explicit `minFace` is the smallest face to find, at
    /// whatever cost, and narrower faces are dropped; without one, faces from 60 px are
    /// looked for within the default pixel budget, so a very large photo stays cheap.
    public static func photo(detector: Detector = .auto, upsample: Int? = nil, minFace: Int? = nil) -> DetectionOptions {
        let model: Model = detector == .cnn ? .cnn : .hog
        var options = DetectionOptions(model: model, upsample: upsample ?? 0, minFaceSize: minFace)
        options.fallback = detector == .auto
        if upsample != nil { return options }
        options.resolution = .planned(
            smallestFace: minFace ?? DetectionPlan.defaultSmallestFace,
            pixelBudget: minFace == nil ? DetectionPlan.defaultPixelBudget : nil)
        return options
    }

    /// The plan for an image of this size, nil with a fixed resolution.
    public func plan(width: Int, height: Int) -> DetectionPlan? {
        guard case .planned(let smallestFace, let pixelBudget) = resolution else { return nil }
        return DetectionPlan(width: width, height: height, smallestFace: smallestFace, pixelBudget: pixelBudget)
    }

    /// The factor the image is resized by before HOG (1 = unchanged).
    public var hogScale: Double {
        if let explicitScale { return explicitScale }
        guard let minFaceSize, minFaceSize > Self.hogWindowSize else { return 1 }
        return Double(Self.hogWindowSize) / Double(minFaceSize)
    }

    func validate() throws(FaceEngineError) {
        guard (0...4).contains(upsample) else {
            throw FaceEngineError(.invalidArgument, "upsample must be between 0 and 4 (got \(upsample))")
        }
        if case .planned(let smallestFace, let pixelBudget) = resolution, smallestFace < 1 || (pixelBudget ?? 1) < 1 {
            throw FaceEngineError(.invalidArgument, "the smallest face and the pixel budget must be positive")
        }
        if let minFaceSize, minFaceSize < 1 {
            throw FaceEngineError(.invalidArgument, "the minimum face size must be at least 1 pixel (got \(minFaceSize))")
        }
    }
}
