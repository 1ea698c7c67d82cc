import ArgumentParser
import Consent
import Edge
import FaceEngine
import FacegateCore
import FacegateTools
import Logging
import Vault

#if canImport(Glibc)
    import Glibc
#endif

extension Facegate.Bench {
    /// Frames per second and per-frame latency of the whole pipeline.
    struct Pipeline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the recognition pipeline on a 640x480 scene with 1, 2 and 3 faces, built in memory from the fixtures.",
            discussion: """
                The people walk slowly across the frame (2 px per frame) so that tracking works as at a \
                door, and every face is processed (trigger "always"): the worst case, not the door zone. Two of them are enrolled in a scratch vault (with 1,000 synthetic members); the \
                scene is processed as fast as the pipeline goes. Reports frames per second and the \
                per-frame latency (arrival to last stage done), median and 95th percentile.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "Seconds of video per face count (at 15 fps).")
        var seconds: Int = 10

        @Option(help: "Runs per face count (the median run is reported).")
        var runs: Int = 3

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var detectionThreads: DetectionThreadsOption

        func run() async throws {
            try await runReportingErrors(json: json) {
                let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
                let engine = try FaceEngine(models: try global.locateModels(), detectionThreads: detectionThreads.value, logger: logger)
                if !json { CommandOutput.line("HOG: \(engine.simd), \(DetectionThreadsOption.describe(engine.detectionThreads))") }
                let fixtures = ProcessEnvironment.current["FACEGATE_FIXTURES"] ?? ".cache/fixtures"
                let decoder = ImageDecoder()
                let people = try ["obama3.jpg", "biden.jpg", "obama2.jpg"].map { try decoder.decode(file: fixtures + "/" + $0) }
                let faceWidths = [150, 120, 100]
                // Each photo scaled so that its face has the wanted width, cropped around it.
                var portraits: [RGBImage] = []
                for (photo, width) in zip(people, faceWidths) {
                    guard let face = try engine.detect(in: photo, options: DetectionOptions(upsample: 1)).max(by: { $0.area < $1.area })
                    else {
                        throw CommandError(.invalidImage, "no face in a fixture photo")
                    }
                    let scale = Double(width) / Double(face.width)
                    let scaled = FrameComposer.resized(
                        photo, width: Int(Double(photo.width) * scale), height: Int(Double(photo.height) * scale))
                    let crop = FrameComposer.canvas(width: width * 2, height: width * 2)
                    FrameComposer.place(scaled, on: crop, x: width - Int(face.centerX * scale), y: width - Int(face.centerY * scale))
                    portraits.append(crop)
                }

                let appliance = try BenchAppliance()
                defer { appliance.remove() }
                let policy = appliance.policy
                let registry = try appliance.open(logger: logger)
                defer { registry.close() }
                try appliance.enrolSynthetic(1_000, into: registry, seed: 11)
                for (index, portrait) in portraits.prefix(2).enumerated() {
                    let analysis = try engine.analyze(portrait, options: DetectionOptions(upsample: 1), describe: true)
                    guard let descriptor = analysis.largestFace?.descriptor else { continue }
                    _ = try registry.enrol(
                        EnrolmentRequest(
                            displayName: "member \(index)", noticeVersion: "bench", purposes: ["entry"], method: "signed-form"),
                        embeddings: [descriptor], by: .system)
                }

                var results: [JSONValue] = []
                for faces in 1...3 {
                    var frames: [RGBImage] = []
                    for step in 0..<(seconds * 15) {
                        let frame = FrameComposer.canvas(width: 640, height: 480)
                        for (index, portrait) in portraits.prefix(faces).enumerated() {
                            let x = 20 + index * 210 + (step * 2) % 40
                            FrameComposer.place(portrait, on: frame, x: x, y: 100 + index * 20)
                        }
                        frames.append(frame)
                    }
                    var summaries: [JSONValue] = []
                    for _ in 0..<runs {
                        let pipeline = RecognitionPipeline(
                            engine: engine, registry: registry, source: MemoryFrameSource(frames: frames),
                            configuration: .init(policy: policy.recognition), logger: logger
                        ) { _ in }
                        try await pipeline.run()
                        summaries.append(pipeline.counters.json)
                    }
                    let sorted = summaries.sorted { ($0["fps"]?.doubleValue ?? 0) < ($1["fps"]?.doubleValue ?? 0) }
                    let median = sorted[sorted.count / 2]
                    let frame = median["latency_ms"]?["frame"]
                    results.append([
                        "faces": .int(faces), "fps": median["fps"] ?? .null,
                        "frame_latency_ms": ["median": frame?["median"] ?? .null, "p95": frame?["p95"] ?? .null],
                        "detect_ms": median["latency_ms"]?["detect"] ?? .null, "embed_ms": median["latency_ms"]?["embed"] ?? .null,
                        "embeddings": median["embeddings"] ?? .null, "decisions": median["decisions"] ?? .null,
                        "runs_fps": .array(summaries.compactMap { $0["fps"] }),
                    ])
                    if !json {
                        CommandOutput.line(
                            "\(faces) face(s): \(median["fps"]?.doubleValue ?? 0) fps, frame latency median \(frame?["median"]?.doubleValue ?? 0) ms, p95 \(frame?["p95"]?.doubleValue ?? 0) ms, detection median \(median["latency_ms"]?["detect"]?["median"]?.doubleValue ?? 0) ms; \(median["embeddings"]?.intValue ?? 0) embeddings for \(frames.count) frames (runs: \(summaries.compactMap { $0["fps"]?.doubleValue }))"
                        )
                    }
                }
                if json {
                    CommandOutput.json([
                        "pipeline": .array(results), "blas": BLASInfo.current().json, "simd": engine.simd.json,
                        "detection_threads": .int(engine.detectionThreads), "frame_size": "640x480",
                    ])
                }
            }
        }
    }
}
