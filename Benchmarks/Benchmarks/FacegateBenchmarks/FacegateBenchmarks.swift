import Benchmark
import FaceEngine
import FacegateCore
import Logging
import Vault

/// The hot paths at the door: one descriptor from an aligned chip, HOG detection in
/// a group photo, and a 1:N search of 100,000 templates. Inputs are prepared once,
/// outside the measured loops; the photos are the fixtures (`make fixtures`), held
/// in memory only.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        // No CPU time: on Linux it is counted in 10 ms ticks, coarser than a descriptor.
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .microseconds,
        maxDuration: .seconds(5),
        maxIterations: 1_000)

    let environment = ProcessEnvironment.current
    let models = environment["FACEGATE_MODELS"] ?? BenchmarkPaths.repositoryRoot + "/.cache/models"
    let fixtures = environment["FACEGATE_FIXTURES"] ?? BenchmarkPaths.repositoryRoot + "/.cache/fixtures"
    let engine: FaceEngine
    let chips: FaceChips
    let groupPhoto: RGBImage
    do {
        engine = try FaceEngine(models: ModelFiles(directory: models), logger: Logger(label: "benchmarks"))
        let portrait = try ImageDecoder().decode(file: fixtures + "/obama.jpg")
        let boxes = try engine.detect(in: portrait, options: DetectionOptions())
        chips = try engine.alignedChips(in: portrait, for: try engine.landmarks(in: portrait, for: boxes))
        groupPhoto = try ImageDecoder().decode(file: fixtures + "/t1.jpg")
    } catch {
        fatalError("cannot prepare the inputs (models in \(models), fixtures in \(fixtures)): \(error). Run `make models fixtures`.")
    }

    Benchmark("descriptor of one aligned chip (ResNet)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try engine.descriptors(of: chips))
        }
    }

    Benchmark("HOG detection, t1.jpg 1280x886, no upsample", configuration: .init(maxIterations: 50)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try engine.detect(in: groupPhoto, options: DetectionOptions(upsample: 0)))
        }
    }

    let gallery = SyntheticTemplates.gallery(count: 100_000)
    let probe = SyntheticTemplates.descriptor(seed: 1)
    Benchmark("gallery search, 100k templates, k=2") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(gallery.search(probe, k: 2))
        }
    }
}

enum BenchmarkPaths {
    /// The facegate checkout: this file is Benchmarks/Benchmarks/FacegateBenchmarks/FacegateBenchmarks.swift.
    static let repositoryRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }()
}

/// Random descriptors in dlib's range: search time depends on the count, not the values.
enum SyntheticTemplates {
    static func descriptor(seed: UInt64) -> FaceDescriptor {
        var state = seed
        return FaceDescriptor((0..<FaceDescriptor.dimensions).map { _ in next(&state) })
    }

    static func gallery(count: Int) -> Gallery {
        let gallery = Gallery(capacity: count)
        var state: UInt64 = 42
        var values = [Float](repeating: 0, count: FaceDescriptor.dimensions)
        for _ in 0..<count {
            for index in values.indices { values[index] = next(&state) }
            values.withUnsafeBufferPointer { gallery.add(subject: .random(), template: .random(), values: $0) }
        }
        return gallery
    }

    /// SplitMix64, scaled to ±0.2.
    private static func next(_ state: inout UInt64) -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) / Float(1 << 24) * 0.4 - 0.2
    }
}
