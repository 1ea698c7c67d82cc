internal import CDlibFace
public import FacegateCore
import FoundationEssentials
public import Logging
import Synchronization

/// Detects, aligns and describes faces with dlib, entirely in this process.
///
/// Thread safety: every method may be called from any thread. The HOG detector, the
/// ResNet and the CNN detector each sit behind their own lock, so one engine can
/// detect in one frame while it embeds faces of another; two calls that need the same
/// network wait for each other. For more throughput make one engine per core with
/// `makeSibling()`, which shares the read-only shape model and copies the networks.
public final class FaceEngine: @unchecked Sendable {
    public let models: ModelFiles
    /// The build of the HOG, landmark and chip code this engine runs (its siblings too).
    public let simd: SIMDPath
    /// Threads one HOG detection uses (1 or 2): the pyramid split between two cores.
    /// 0: dlib's own object_detector, the reference the split is tested against.
    public let detectionThreads: Int
    private let shapeModel: ShapeModel
    private let hog: Mutex<ShimHandle>
    private let resnet: Mutex<ShimHandle>
    private let mmod: Mutex<ShimHandle?>
    let logger: Logger

    /// Loads the HOG detector, the 5-point model and the ResNet (and the CNN detector
    /// when `loadCNN` is set). Takes about half a second. `simd` nil: the process default;
    /// `detectionThreads` nil: `defaultDetectionThreads`.
    public init(
        models: ModelFiles, loadCNN: Bool = false, simd: SIMDPath? = nil, detectionThreads: Int? = nil, logger: Logger
    ) throws(FaceEngineError) {
        let start = ContinuousClock.now
        let simd = simd ?? .processDefault
        let threads = Self.detectionThreads(detectionThreads)
        self.models = models
        self.simd = simd
        self.detectionThreads = threads
        self.logger = logger
        try models.checkReadable(models.shapePredictor, what: "5-point landmark model")
        try models.checkReadable(models.resnet, what: "ResNet face descriptor model")
        let detector = ParallelLoad { () throws(FaceEngineError) in try ShimHandle.hogDetector(simd: simd, threads: threads) }
        do {
            shapeModel = try ShapeModel(path: models.shapePredictor, simd: simd)
            resnet = Mutex(try ShimHandle.resnet(path: models.resnet))
        } catch {
            // The detector is not leaked when a model file fails.
            if let handle = try? detector.value() { handle.destroy() }
            throw error
        }
        hog = Mutex(try detector.value())
        if loadCNN {
            try models.checkReadable(models.mmod, what: "MMOD CNN face detector model")
            mmod = Mutex(try ShimHandle.mmod(path: models.mmod))
        } else {
            mmod = Mutex(nil)
        }
        logger.debug(
            "face models loaded",
            metadata: ["models.directory": "\(models.directory)", "duration_ms": "\((ContinuousClock.now - start).milliseconds)"])
    }

    private init(sibling of: FaceEngine, detectionThreads: Int?) throws(FaceEngineError) {
        models = of.models
        simd = of.simd
        self.detectionThreads = detectionThreads.map { Self.detectionThreads($0) } ?? of.detectionThreads
        logger = of.logger
        shapeModel = of.shapeModel
        hog = Mutex(try ShimHandle.hogDetector(simd: of.simd, threads: self.detectionThreads))
        resnet = Mutex(try of.resnet.withLock { (handle: inout ShimHandle) throws(FaceEngineError) in try handle.cloneResnet() })
        mmod = Mutex(of.hasCNNDetector ? try ShimHandle.mmod(path: of.models.mmod) : nil)
    }

    deinit {
        hog.withLock { $0.destroy() }
        resnet.withLock { $0.destroy() }
        mmod.withLock { $0?.destroy() }
    }

    /// Another engine with its own detector and network copies, for another core;
    /// `detectionThreads` nil: this engine's.
    public func makeSibling(detectionThreads: Int? = nil) throws(FaceEngineError) -> FaceEngine {
        try FaceEngine(sibling: self, detectionThreads: detectionThreads)
    }

    /// Two when the machine has two cores or more: a detection then takes about half
    /// the time (the door's frame rate is bound by HOG), with the same boxes. One
    /// engine per core (`makeSibling(detectionThreads: 1)`) is better for batches.
    /// The CPUs this process may use (its affinity and cgroup quota), not those online.
    public static var defaultDetectionThreads: Int { min(2, max(1, ProcessInfo.processInfo.activeProcessorCount)) }

    private static func detectionThreads(_ asked: Int?) -> Int { min(2, max(0, asked ?? defaultDetectionThreads)) }

    public var hasCNNDetector: Bool { mmod.withLock { $0 != nil } }

    // MARK: Stages

    /// Finds faces. Boxes are in `image`'s coordinates; faces narrower than
    /// `options.minFaceSize` are dropped. With a planned resolution the image is first
    /// downscaled to the plan's working size (area averaging) and the boxes mapped back.
    /// MMOD always works within `DetectionPlan.mmodPixelBudget`. With
    /// `options.fallback`, a first pass that finds nothing is followed by the fallbacks
    /// (`FaceEngine+Fallback.swift`).
    public func detect(in image: RGBImage, options: DetectionOptions) throws(FaceEngineError) -> [FaceBox] {
        try locateFaces(in: image, options: options).boxes
    }

    /// `detect`, with the image the faces were found in: a dark photo's faces may have
    /// been found only in its enhanced copy, and are then aligned and described there.
    func locateFaces(in image: RGBImage, options: DetectionOptions) throws(FaceEngineError) -> LocatedFaces {
        try options.validate()
        var located = LocatedFaces(boxes: try firstPass(in: image, options: options), image: image)
        if located.boxes.isEmpty && options.fallback {
            located = try detectWithFallbacks(in: image, options: options)
        } else if options.fallback && options.model == .hog {
            located.boxes += try turnedFaces(beside: located.boxes, in: image, options: options)
        }
        if let minFaceSize = options.minFaceSize {
            located.boxes.removeAll { $0.width < minFaceSize }
        }
        return located
    }

    /// The detector and resolution the options ask for, without fallbacks.
    func firstPass(in image: RGBImage, options: DetectionOptions) throws(FaceEngineError) -> [FaceBox] {
        if options.model == .cnn {
            return try detectWithMMOD(in: image, smallestFace: options.smallestFace(width: image.width, height: image.height, mmod: true))
        }
        if let plan = options.plan(width: image.width, height: image.height) {
            return try detectWithHOG(in: image, plan: plan)
        }
        return try run(.hog, on: image, upsample: options.upsample, scale: options.hogScale)
    }

    /// HOG at the plan's working resolution, boxes mapped back to `image`.
    func detectWithHOG(in image: RGBImage, plan: DetectionPlan) throws(FaceEngineError) -> [FaceBox] {
        logger.debug(
            "detection planned",
            metadata: [
                "image": "\(plan.imageWidth)x\(plan.imageHeight)", "working": "\(plan.workingWidth)x\(plan.workingHeight)",
                "upsample": "\(plan.upsample)", "smallest_face_px": "\(plan.smallestFace)",
            ])
        if plan.isDownscaled {
            let working = try image.downscaled(toWidth: plan.workingWidth, height: plan.workingHeight)
            return try run(.hog, on: working, upsample: plan.upsample, scale: 1).map(plan.mapToOriginal)
        }
        return try run(.hog, on: image, upsample: plan.upsample, scale: 1)
    }

    /// One pass of one detector; boxes carry the pass (`.hog` or `.cnn`).
    func run(_ model: DetectionOptions.Model, on image: RGBImage, upsample: Int, scale: Double) throws(FaceEngineError)
        -> [FaceBox]
    {
        switch model {
        case .hog:
            return try hog.withLock { (handle: inout ShimHandle) throws(FaceEngineError) in
                try Self.collectRects { out, capacity, count, error in
                    fg_hog_detect(handle.pointer, image.view, Int32(upsample), scale, out, capacity, count, error)
                }
            }
        case .cnn:
            // dlib's network cannot convolve an image smaller than its filters, and it
            // asserts (a dlib `fatal_error`) when asked to; dlib aborts the process at the
            // second such error it sees. An image that cannot hold a face of MMOD's window
            // has no face for it: answered without running it (found by the API fuzzer).
            guard min(image.width, image.height) << max(0, upsample) >= DetectionPlan.mmodWindow else { return [] }
            return try mmod.withLock { (loaded: inout ShimHandle?) throws(FaceEngineError) in
                // Loaded on first use: most photos never need it (`loadCNN` loads it up front).
                if loaded == nil {
                    try models.checkReadable(models.mmod, what: "MMOD CNN face detector model")
                    loaded = try ShimHandle.mmod(path: models.mmod)
                }
                guard let handle = loaded else { return [] }
                return try Self.collectRects { out, capacity, count, error in
                    fg_mmod_detect(handle.pointer, image.view, Int32(upsample), out, capacity, count, error)
                }.map { box in
                    var box = box
                    box.pass = .cnn
                    return box
                }
            }
        }
    }

    /// Fits the 5-point landmarks in each box.
    public func landmarks(in image: RGBImage, for boxes: [FaceBox]) throws(FaceEngineError) -> [FaceLandmarks] {
        guard !boxes.isEmpty else { return [] }
        let rects = boxes.map {
            fg_rect(left: Int64($0.left), top: Int64($0.top), right: Int64($0.right), bottom: Int64($0.bottom), confidence: $0.confidence)
        }
        var out = [fg_landmarks](repeating: fg_landmarks(), count: rects.count)
        var error = fg_error()
        let status = fg_shape_landmarks(shapeModel.pointer, image.view, rects, Int32(rects.count), &out, &error)
        guard status == FG_OK else { throw FaceEngineError(status: status, error, context: "landmarks") }
        return zip(boxes, out).map { box, shape in
            var points: [FaceLandmarks.Point] = []
            withUnsafeBytes(of: shape.points) { raw in
                for point in raw.bindMemory(to: fg_point.self) {
                    points.append(.init(x: point.x, y: point.y))
                }
            }
            return FaceLandmarks(box: box, points: points)
        }
    }

    /// Aligned 150x150 chips (dlib's `get_face_chip_details(shape, 150, 0.25)`).
    public func alignedChips(in image: RGBImage, for landmarks: [FaceLandmarks]) throws(FaceEngineError) -> FaceChips {
        let chips = FaceChips(count: landmarks.count)
        guard !landmarks.isEmpty else { return chips }
        let shapes = landmarks.map(\.shim)
        var error = fg_error()
        let status = fg_extract_chips_on(
            simd.shim, image.view, shapes, Int32(shapes.count), Int32(FaceChips.size), 0.25,
            chips.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), &error)
        guard status == FG_OK else { throw FaceEngineError(status: status, error, context: "face alignment") }
        return chips
    }

    /// The 128-D descriptor of each chip, computed in batches.
    public func descriptors(of chips: FaceChips) throws(FaceEngineError) -> [FaceDescriptor] {
        guard chips.count > 0 else { return [] }
        let count = chips.count * FaceDescriptor.dimensions
        let out = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        out.initialize(repeating: 0)
        defer {
            wipeMemory(out.baseAddress, count * MemoryLayout<Float>.stride)
            out.deallocate()
        }
        try resnet.withLock { (handle: inout ShimHandle) throws(FaceEngineError) in
            var error = fg_error()
            let status = fg_resnet_descriptors(
                handle.pointer, chips.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(chips.count),
                out.baseAddress!, &error)
            guard status == FG_OK else { throw FaceEngineError(status: status, error, context: "face descriptors") }
        }
        return (0..<chips.count).map { FaceDescriptor(copying: out.baseAddress! + $0 * FaceDescriptor.dimensions) }
    }

    // MARK: All stages

    /// Detects every face and, when `describe` is set, computes its descriptor (averaged
    /// over `jitter` jittered copies when it is above 0: `descriptors(of:jitter:)`).
    public func analyze(_ image: RGBImage, options: DetectionOptions, describe: Bool, jitter: Int = 0) throws(FaceEngineError)
        -> FaceAnalysis
    {
        var timings = StageTimings()
        let clock = ContinuousClock()
        var start = clock.now
        let located = try locateFaces(in: image, options: options)
        let boxes = located.boxes
        timings.detect = (clock.now - start).milliseconds
        var faces = boxes.map { FaceAnalysis.Face(box: $0) }
        if describe && !boxes.isEmpty {
            let image = located.image
            start = clock.now
            let shapes = try landmarks(in: image, for: boxes.map(located.inImage))
            timings.align = (clock.now - start).milliseconds
            // Chip extraction is timed with the network, as the reference pipeline's
            // compute_face_descriptor does both: the stages compare one to one.
            start = clock.now
            let chips = try alignedChips(in: image, for: shapes)
            let descriptors = try descriptors(of: chips, jitter: jitter)
            timings.embed = (clock.now - start).milliseconds
            for index in faces.indices {
                faces[index].landmarks = located.inPhoto(shapes[index], box: boxes[index])
                faces[index].descriptor = descriptors[index]
                faces[index].quality = FaceQuality(landmarks: shapes[index], chip: chips.image(at: index))
            }
        }
        return FaceAnalysis(width: image.width, height: image.height, faces: faces, timings: timings)
    }

    private static func collectRects(
        _ call: (UnsafeMutablePointer<fg_rect>?, Int32, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<fg_error>) -> Int32
    ) throws(FaceEngineError) -> [FaceBox] {
        var capacity: Int32 = 64
        while true {
            var rects = [fg_rect](repeating: fg_rect(), count: Int(capacity))
            var count: Int32 = 0
            var error = fg_error()
            let status = rects.withUnsafeMutableBufferPointer { call($0.baseAddress, capacity, &count, &error) }
            guard status == FG_OK else { throw FaceEngineError(status: status, error, context: "face detection") }
            if count <= capacity {
                return rects.prefix(Int(count)).map {
                    FaceBox(left: Int($0.left), top: Int($0.top), right: Int($0.right), bottom: Int($0.bottom), confidence: $0.confidence)
                }
            }
            capacity = count
        }
    }
}

extension FaceLandmarks {
    var shim: fg_landmarks {
        var shape = fg_landmarks()
        shape.box = fg_rect(
            left: Int64(box.left), top: Int64(box.top), right: Int64(box.right), bottom: Int64(box.bottom), confidence: box.confidence)
        withUnsafeMutableBytes(of: &shape.points) { raw in
            let out = raw.bindMemory(to: fg_point.self)
            for (index, point) in points.prefix(5).enumerated() {
                out[index] = fg_point(x: point.x, y: point.y)
            }
        }
        return shape
    }
}
