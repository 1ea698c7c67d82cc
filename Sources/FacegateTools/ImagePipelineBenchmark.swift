public import FaceEngine
public import FacegateCore
import Vault

#if canImport(Glibc)
    import Glibc
#endif

/// Times each stage of the recognition pipeline on real photos (decode, detect,
/// landmarks, chips + descriptor, a 1:N search per face) with one engine on one
/// thread, as the door runs it. Per-image medians and p95 over every image and run.
public struct ImagePipelineBenchmark {
    public var directory: String
    public var runs: Int
    public var detection: DetectionOptions
    public var decoder: ImageDecoder
    /// Synthetic templates each face is searched against.
    public var galleryTemplates: Int

    public init(
        directory: String, runs: Int, detection: DetectionOptions, decoder: ImageDecoder = ImageDecoder(), galleryTemplates: Int = 10_000
    ) {
        self.directory = directory
        self.runs = runs
        self.detection = detection
        self.decoder = decoder
        self.galleryTemplates = galleryTemplates
    }

    /// Per-image samples of each stage, in milliseconds.
    public struct Result {
        public var files: [String]
        public var failures: [(file: String, error: FaceEngineError)]
        public var facesPerRun: Int
        public var decode: [Double] = []
        public var detect: [Double] = []
        /// Landmarks, chips, descriptors and search: images with at least one face only.
        public var landmarks: [Double] = []
        public var embed: [Double] = []
        public var search: [Double] = []
        public var total: [Double] = []
        /// Chips + descriptor time divided by the image's face count.
        public var embedPerFace: [Double] = []
        public var faces = 0
        public var blas: BLASInfo
        /// The build of the HOG, landmark and chip code the engine ran.
        public var simd: SIMDPath
        /// Threads each HOG detection used (`FaceEngine.detectionThreads`).
        public var detectionThreads: Int
        public var searchThreads: Int
    }

    public func run(engine: FaceEngine) throws(FaceEngineError) -> Result {
        let files = try ImageFileList.files(in: directory, recursive: true)
        let gallery = SyntheticGallery.make(templates: galleryTemplates, seed: 42)
        var result = Result(
            files: files, failures: [], facesPerRun: 0, blas: BLASInfo.current(), simd: engine.simd,
            detectionThreads: engine.detectionThreads,
            searchThreads: galleryTemplates >= gallery.parallelThreshold ? Gallery.defaultWorkers : 1)
        // One untimed pass over the first image: the first descriptor allocates the
        // network's buffers and the first search warms the gallery's pages.
        _ = try? measure(files[0], engine: engine, gallery: gallery)
        for run in 0..<runs {
            for file in files {
                do {
                    let sample = try measure(file, engine: engine, gallery: gallery)
                    result.add(sample)
                    if run == 0 { result.facesPerRun += sample.faces }
                } catch {
                    if run == 0 { result.failures.append((file, error)) }
                }
            }
        }
        return result
    }

    struct Sample {
        var faces: Int
        var decode: Double, detect: Double, landmarks: Double, embed: Double, search: Double
    }

    private func measure(_ file: String, engine: FaceEngine, gallery: Gallery) throws(FaceEngineError) -> Sample {
        let clock = ContinuousClock()
        var start = clock.now
        func lap() -> Double {
            let now = clock.now
            defer { start = now }
            return (now - start).milliseconds
        }
        let image = try decoder.decode(file: file)
        let decode = lap()
        let boxes = try engine.detect(in: image, options: detection)
        let detect = lap()
        guard !boxes.isEmpty else { return Sample(faces: 0, decode: decode, detect: detect, landmarks: 0, embed: 0, search: 0) }
        let landmarks = try engine.landmarks(in: image, for: boxes)
        let landmarksTime = lap()
        let chips = try engine.alignedChips(in: image, for: landmarks)
        let descriptors = try engine.descriptors(of: chips)
        let embed = lap()
        for descriptor in descriptors { _ = gallery.search(descriptor, k: 2) }
        let search = lap()
        return Sample(faces: boxes.count, decode: decode, detect: detect, landmarks: landmarksTime, embed: embed, search: search)
    }
}

extension ImagePipelineBenchmark.Result {
    mutating func add(_ sample: ImagePipelineBenchmark.Sample) {
        decode.append(sample.decode)
        detect.append(sample.detect)
        total.append(sample.decode + sample.detect + sample.landmarks + sample.embed + sample.search)
        faces += sample.faces
        guard sample.faces > 0 else { return }
        landmarks.append(sample.landmarks)
        embed.append(sample.embed)
        search.append(sample.search)
        embedPerFace.append(sample.embed / Double(sample.faces))
    }

    /// Faces through the whole pipeline per second of pipeline time, one thread.
    public var facesPerSecond: Double { faces == 0 ? 0 : Double(faces) / (total.reduce(0, +) / 1000) }
    public var imagesPerSecond: Double { total.isEmpty ? 0 : Double(total.count) / (total.reduce(0, +) / 1000) }

    var stages: [(name: String, label: String, samples: [Double])] {
        [
            ("decode", "decode", decode),
            ("detect", "detect", detect),
            ("landmarks", "landmarks", landmarks),
            ("embed", "embed (chips + descriptors)", embed),
            ("search", "search (1:N, per image)", search),
            ("total", "end to end", total),
        ]
    }

    public func json(benchmark: ImagePipelineBenchmark) -> JSONValue {
        var stagesObject = JSONObject()
        for stage in stages { stagesObject[stage.name] = Statistics(stage.samples)?.json ?? .null }
        return [
            "directory": .string(benchmark.directory),
            "images": .int(files.count),
            "failed": .array(failures.map { ["file": .string($0.file), "error": $0.error.json] }),
            "runs": .int(benchmark.runs),
            "upsample": .int(benchmark.detection.upsample),
            "faces_per_run": .int(facesPerRun),
            "stages_ms": .object(stagesObject),
            "embed_per_face_ms": Statistics(embedPerFace)?.json ?? .null,
            "faces_per_second": .double(round2(facesPerSecond)),
            "images_per_second": .double(round2(imagesPerSecond)),
            "blas": blas.json,
            "simd": simd.json,
            "threads": [
                "pipeline": 1, "detection": .int(detectionThreads), "search": .int(searchThreads), "cores": .int(Gallery.defaultWorkers),
            ],
            "gallery_templates": .int(benchmark.galleryTemplates),
        ]
    }

    public func lines(benchmark: ImagePipelineBenchmark) -> [String] {
        var lines = [
            "images: \(files.count) in \(benchmark.directory), \(benchmark.runs) run\(benchmark.runs == 1 ? "" : "s"), upsample \(benchmark.detection.upsample), \(facesPerRun) faces per run"
        ]
        lines.append("BLAS: \(blas)")
        lines.append("HOG: \(simd)")
        lines.append(
            "threads: pipeline 1 (one engine, HOG detection on \(detectionThreads == 0 ? "1, dlib's own detector" : "\(detectionThreads)")), search \(searchThreads) over \(benchmark.galleryTemplates) synthetic templates, \(Gallery.defaultWorkers) cores"
        )
        let width = stages.map(\.label.count).max() ?? 10
        lines.append(
            TextFormatting.left("stage (ms per image)", width) + TextFormatting.right("median", 10) + TextFormatting.right("p95", 10)
                + TextFormatting.right("n", 6))
        for stage in stages {
            guard let stats = Statistics(stage.samples) else {
                lines.append(
                    TextFormatting.left(stage.label, width) + TextFormatting.right("-", 10) + TextFormatting.right("-", 10)
                        + TextFormatting.right("0", 6))
                continue
            }
            lines.append(
                TextFormatting.left(stage.label, width) + TextFormatting.right(TextFormatting.fixed(stats.median, 2), 10)
                    + TextFormatting.right(TextFormatting.fixed(stats.p95, 2), 10) + TextFormatting.right(String(stats.count), 6))
        }
        if let perFace = Statistics(embedPerFace) {
            lines.append(
                "embed per face: median \(TextFormatting.fixed(perFace.median, 2)) ms, p95 \(TextFormatting.fixed(perFace.p95, 2)) ms")
        }
        lines.append(
            "end to end: \(TextFormatting.fixed(facesPerSecond, 1)) faces/s, \(TextFormatting.fixed(imagesPerSecond, 1)) images/s (one thread)"
        )
        for failure in failures { lines.append("failed: \(failure.error.message)") }
        return lines
    }

    private func round2(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
