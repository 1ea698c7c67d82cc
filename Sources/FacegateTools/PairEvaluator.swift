import Dispatch
public import FaceEngine
import FacegateCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Measures verification accuracy on a list of image pairs: each distinct image is
/// embedded once (its face nearest the centre), then every pair whose two images both
/// gave a face is scored by the Euclidean distance of their descriptors.
///
/// Descriptors are kept in memory for the run only and wiped when it ends; nothing
/// about the images is written anywhere.
public struct PairEvaluator: Sendable {
    /// The directory that relative paths in the list are resolved against; nil for
    /// the current directory.
    public var root: String?
    public var detection: DetectionOptions
    public var decoder: ImageDecoder
    public var threshold: Double
    public var farTargets: [Double]
    /// Images embedded at once, each by its own engine (a sibling of the one given).
    public var workers: Int
    /// Jittered copies each template averages (`FaceEngine.descriptors(of:jitter:)`);
    /// 0 for plain descriptors. Templates are the first image of each pair and the
    /// identification gallery; probes stay plain, as at the door.
    public var jitter: Int

    public init(
        root: String? = nil, detection: DetectionOptions = DetectionOptions(), decoder: ImageDecoder = ImageDecoder(),
        threshold: Double = 0.6, farTargets: [Double] = VerificationMetrics.defaultFARTargets,
        workers: Int = PairEvaluator.onlineCores, jitter: Int = 0
    ) {
        self.root = root
        self.detection = detection
        self.decoder = decoder
        self.threshold = threshold
        self.farTargets = farTargets
        self.workers = max(1, workers)
        self.jitter = jitter
    }

    public static var onlineCores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// The path `file` of the list names on disk.
    public func resolve(_ file: String) -> String {
        guard let root, !root.isEmpty, !file.hasPrefix("/") else { return file }
        return root.hasSuffix("/") ? root + file : root + "/" + file
    }

    /// Embeds the images of `pairs` and computes the metrics. Throws only when a
    /// sibling engine cannot be made; an image that fails is reported, not thrown.
    public func evaluate(_ pairs: [VerificationPair], engine: FaceEngine) throws(FaceEngineError) -> PairEvaluationReport {
        try evaluate(pairs, engine: engine, openSet: nil)
    }

    /// Evaluates every pair of `labels` and, with `openSet`, compares 1:1 and 1:N
    /// false accepts on the same descriptors (each image that gave a face is a probe).
    public func evaluate(_ labels: LabelList, openSet: OpenSetEvaluation?, engine: FaceEngine) throws(FaceEngineError)
        -> PairEvaluationReport
    {
        try evaluate(labels, openSet: openSet, identification: nil, engine: engine)
    }

    /// Evaluates every pair of `labels` and, with `identification`, the open-set
    /// identification report (and with `openSet` the 1:1 against 1:N comparison) on the
    /// same descriptors.
    public func evaluate(
        _ labels: LabelList, openSet: OpenSetEvaluation?, identification: IdentificationEvaluation?, engine: FaceEngine
    ) throws(FaceEngineError) -> PairEvaluationReport {
        var report = try evaluate(labels.allPairs, engine: engine) { described in
            openSet?.run(
                labels.entries.compactMap { entry in
                    described[entry.file].map { OpenSetEvaluation.Probe(person: entry.person, descriptor: $0.plain) }
                })
        } identification: { described in
            identification?.run(
                labels.entries.compactMap { entry in
                    described[entry.file].map {
                        IdentificationEvaluation.Photo(person: entry.person, template: $0.template, probe: $0.plain)
                    }
                })
        }
        report.jitter = jitter
        return report
    }

    /// The labelled images described, without pairing them: what the real-stranger
    /// identification and the calibration need (on LFW the pairs alone would be 87
    /// million). Descriptors are in memory for the caller's run only.
    public struct DescribedLabels: Sendable {
        /// One per image that gave a face, in list order.
        public var photos: [IdentificationEvaluation.Photo]
        public var images: Int
        public var imagesWithoutFace: [String]
        public var unreadableImages: [PairEvaluationReport.ImageFailure]
        public var embeddingSeconds: Double

        /// Wipes every descriptor.
        public func wipe() {
            for photo in photos {
                photo.probe.wipe()
                photo.template.wipe()
            }
        }
    }

    /// Describes every image of `labels` (its face nearest the centre).
    public func describe(_ labels: LabelList, engine: FaceEngine) throws(FaceEngineError) -> DescribedLabels {
        let files = labels.entries.map(\.file)
        let start = ContinuousClock.now
        let outcomes = try embedAll(files, engine: engine)
        let seconds = (ContinuousClock.now - start).milliseconds / 1000
        var photos: [IdentificationEvaluation.Photo] = []
        var withoutFace: [String] = []
        var failures: [PairEvaluationReport.ImageFailure] = []
        for (entry, outcome) in zip(labels.entries, outcomes) {
            switch outcome {
            case .descriptor(let described):
                photos.append(.init(person: entry.person, template: described.template, probe: described.plain))
            case .noFace: withoutFace.append(entry.file)
            case .failed(let error): failures.append(.init(file: entry.file, error: error))
            }
        }
        return DescribedLabels(
            photos: photos, images: files.count, imagesWithoutFace: withoutFace.sorted(),
            unreadableImages: failures.sorted { $0.file < $1.file }, embeddingSeconds: seconds)
    }

    /// An image's descriptors: the plain one (a probe) and the template (jittered when
    /// `jitter` is above 0, else the plain one).
    struct Described: Sendable {
        var plain: FaceDescriptor
        var template: FaceDescriptor
    }

    private func evaluate(
        _ pairs: [VerificationPair], engine: FaceEngine, openSet: (([String: Described]) -> OpenSetReport?)? = nil,
        identification: (([String: Described]) -> IdentificationReport?)? = nil
    ) throws(FaceEngineError) -> PairEvaluationReport {
        var files: [String] = []
        var seen = Set<String>()
        for pair in pairs {
            for file in [pair.fileA, pair.fileB] where seen.insert(file).inserted { files.append(file) }
        }

        let start = ContinuousClock.now
        let outcomes = try embedAll(files, engine: engine)
        let seconds = (ContinuousClock.now - start).milliseconds / 1000

        var descriptors: [String: Described] = [:]
        var withoutFace: [String] = []
        var failures: [PairEvaluationReport.ImageFailure] = []
        for (file, outcome) in zip(files, outcomes) {
            switch outcome {
            case .descriptor(let described): descriptors[file] = described
            case .noFace: withoutFace.append(file)
            case .failed(let error): failures.append(.init(file: file, error: error))
            }
        }
        var scores: [VerificationMetrics.Score] = []
        var bothJittered: [VerificationMetrics.Score] = []
        scores.reserveCapacity(pairs.count)
        for pair in pairs {
            guard let a = descriptors[pair.fileA], let b = descriptors[pair.fileB] else { continue }
            // A template against a probe, as the door compares them.
            scores.append(.init(distance: Double(a.template.distance(to: b.plain)), same: pair.same))
            if jitter > 0 { bothJittered.append(.init(distance: Double(a.template.distance(to: b.template)), same: pair.same)) }
        }
        return PairEvaluationReport(
            totalPairs: pairs.count, usedPairs: scores.count, images: files.count,
            imagesWithoutFace: withoutFace.sorted(), unreadableImages: failures.sorted { $0.file < $1.file },
            metrics: VerificationMetrics(scores: scores, threshold: threshold, farTargets: farTargets),
            embeddingSeconds: seconds, openSet: openSet?(descriptors), jitter: jitter,
            bothJittered: jitter > 0 ? VerificationMetrics(scores: bothJittered, threshold: threshold, farTargets: farTargets) : nil,
            identification: identification?(descriptors))
    }

    enum Outcome: Sendable {
        case descriptor(Described)
        case noFace
        case failed(FaceEngineError)
    }

    /// One outcome per file, in order, computed by `workers` engines in parallel.
    private func embedAll(_ files: [String], engine: FaceEngine) throws(FaceEngineError) -> [Outcome] {
        // One engine per core, each detecting on one thread.
        let count = min(workers, files.count)
        var engines = count > 1 ? [] : [engine]
        while engines.count < count { engines.append(try engine.makeSibling(detectionThreads: 1)) }
        let results = Mutex([Outcome?](repeating: nil, count: files.count))
        let next = Atomic(0)
        let job = EmbedJob(evaluator: self, files: files, engines: engines)
        DispatchQueue.concurrentPerform(iterations: engines.count) { worker in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < files.count else { return }
                let outcome = job.embed(index, worker: worker)
                results.withLock { $0[index] = outcome }
            }
        }
        return results.withLock { $0.map { $0 ?? .noFace } }
    }

    /// What each worker thread needs, shared read-only between them.
    private struct EmbedJob: Sendable {
        let evaluator: PairEvaluator
        let files: [String]
        let engines: [FaceEngine]

        func embed(_ index: Int, worker: Int) -> Outcome {
            do {
                return try evaluator.describeCentralFace(evaluator.resolve(files[index]), engine: engines[worker])
                    .map(Outcome.descriptor) ?? .noFace
            } catch {
                return .failed(error)
            }
        }
    }

    /// The descriptors of the face nearest the centre of the image at `path`, or nil
    /// when there is no face. Only that face is aligned and described.
    func describeCentralFace(_ path: String, engine: FaceEngine) throws(FaceEngineError) -> Described? {
        let image = try decoder.decode(file: path)
        guard
            let described = try engine.describeFace(
                in: image, choosing: .nearestCenter, options: detection, jitters: jitter > 0 ? [0, jitter] : [0])
        else { return nil }
        return Described(plain: described[0], template: described[described.count - 1])
    }
}
