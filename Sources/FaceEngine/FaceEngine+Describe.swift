public import FacegateCore

extension FaceEngine {
    /// Which face of a photo a command means when it means one.
    public enum FaceChoice: Sendable {
        /// The largest: the person a portrait or an enrolment photo is of.
        case largest
        /// The one nearest the centre: the face a photographer framed (evaluation).
        case nearestCenter
    }

    /// One face of a photo, aligned and described.
    public struct ExaminedFace: Sendable {
        public var box: FaceBox
        public var descriptor: FaceDescriptor
        /// How turned and how sharp it is, for enrolment's quality bar.
        public var quality: FaceQuality
    }

    /// Detects the faces in `image`, picks one, and aligns and describes only that one;
    /// nil when there is no face. The one way enrolment, `compare` and the evaluation
    /// turn a photo into a descriptor. With `jitter`, the descriptor is averaged over
    /// that many jittered copies of the face (see `descriptors(of:jitter:)`).
    public func describeFace(
        in image: RGBImage, choosing choice: FaceChoice, options: DetectionOptions, jitter: Int = 0
    ) throws(FaceEngineError) -> FaceDescriptor? {
        try examineFace(in: image, choosing: choice, options: options, jitters: [jitter])?.descriptors.first
    }

    /// As `describeFace(in:choosing:options:jitter:)`, one descriptor per entry of
    /// `jitters` from one detection and one chip: the evaluation compares plain and
    /// jittered templates of the same face.
    public func describeFace(
        in image: RGBImage, choosing choice: FaceChoice, options: DetectionOptions, jitters: [Int]
    ) throws(FaceEngineError) -> [FaceDescriptor]? {
        try examineFace(in: image, choosing: choice, options: options, jitters: jitters)?.descriptors
    }

    /// `describeFace`, with the face's box (and the detector that found it) and quality.
    public func examineFace(
        in image: RGBImage, choosing choice: FaceChoice, options: DetectionOptions, jitter: Int = 0
    ) throws(FaceEngineError) -> ExaminedFace? {
        guard let examined = try examineFace(in: image, choosing: choice, options: options, jitters: [jitter]),
            let descriptor = examined.descriptors.first
        else { return nil }
        return ExaminedFace(box: examined.box, descriptor: descriptor, quality: examined.quality)
    }

    /// The one detection, choice, alignment and description the methods above share.
    private func examineFace(
        in image: RGBImage, choosing choice: FaceChoice, options: DetectionOptions, jitters: [Int]
    ) throws(FaceEngineError) -> (box: FaceBox, descriptors: [FaceDescriptor], quality: FaceQuality)? {
        let located = try locateFaces(in: image, options: options)
        let boxes = located.boxes
        let chosen: FaceBox? =
            switch choice {
            case .largest: boxes.max { $0.area < $1.area }
            case .nearestCenter: FaceBox.nearestCenter(of: boxes, width: image.width, height: image.height)
            }
        guard let box = chosen else { return nil }
        let image = located.image
        let shapes = try landmarks(in: image, for: [located.inImage(box)])
        let chips = try alignedChips(in: image, for: shapes)
        var described: [FaceDescriptor] = []
        for jitter in jitters { described += try descriptors(of: chips, jitter: jitter) }
        return (box, described, FaceQuality(landmarks: shapes[0], chip: chips.image(at: 0)))
    }
}
