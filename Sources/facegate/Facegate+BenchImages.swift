import ArgumentParser
import FaceEngine
import FacegateCore
import FacegateTools

extension Facegate.Bench {
    /// Per-stage timings of the pipeline on real photos.
    struct Images: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time decode, detect, landmarks, embed and search per image on a directory of photos.",
            discussion: "One engine on one thread, as at the door. The first image is run once untimed to warm up.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: BenchImagesOptions

        func run() async throws {
            try await runReportingErrors(json: options.json) {
                let (benchmark, result) = try options.measure(global: global)
                if options.json {
                    CommandOutput.json(["images": result.json(benchmark: benchmark)])
                } else {
                    result.lines(benchmark: benchmark).forEach(CommandOutput.line)
                }
            }
        }
    }

    /// What `facegate bench` runs: the photo pipeline, then gallery search.
    struct All: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "all", abstract: "Run `images` then `search` (the default).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: BenchImagesOptions

        @Option(help: "Gallery sizes for the search benchmark, comma-separated.")
        var templates: String = "10000,100000,1000000"

        @Option(name: .customLong("search-runs"), help: "Searches per gallery size.")
        var searchRuns: Int = 50

        func validate() throws {
            guard searchRuns > 0 else { throw ValidationError("--search-runs must be at least 1") }
            guard !Search.sizes(templates).isEmpty else { throw ValidationError("--templates must list gallery sizes, e.g. 10000,100000") }
        }

        func run() async throws {
            try await runReportingErrors(json: options.json) {
                let (benchmark, result) = try options.measure(global: global)
                if !options.json { result.lines(benchmark: benchmark).forEach(CommandOutput.line) }
                var search: [JSONValue] = []
                for size in Search.sizes(templates) {
                    let stats = Search.measure(size: size, runs: searchRuns)
                    if options.json {
                        search.append(["templates": .int(size), "search_ms": stats.json])
                    } else {
                        CommandOutput.line(Search.line(size: size, stats: stats, runs: searchRuns))
                    }
                }
                if options.json {
                    CommandOutput.json(["images": result.json(benchmark: benchmark), "search": .array(search)])
                }
            }
        }
    }
}

/// The options of `bench images`, shared with `bench` run without a subcommand.
struct BenchImagesOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Directory of JPEG/PNG photos, searched recursively (default: $FACEGATE_FIXTURES, then .cache/fixtures).", valueName: "DIR"))
    var images: String?

    @Option(help: "Passes over the images.")
    var runs: Int = 3

    @Flag(help: "Print one JSON document.")
    var json = false

    @Option(help: "Times to double each image before detection (0-4).")
    var upsample: Int = 1

    @OptionGroup var detectionThreads: DetectionThreadsOption

    func validate() throws {
        guard runs > 0 else { throw ValidationError("--runs must be at least 1") }
        guard (0...4).contains(upsample) else { throw ValidationError("--upsample must be between 0 and 4") }
    }

    var directory: String {
        if let images { return images }
        if let fixtures = ProcessEnvironment.current["FACEGATE_FIXTURES"], !fixtures.isEmpty { return fixtures }
        return ".cache/fixtures"
    }

    func measure(global: GlobalOptions) throws -> (ImagePipelineBenchmark, ImagePipelineBenchmark.Result) {
        let engine = try FaceEngine(
            models: try global.locateModels(), detectionThreads: detectionThreads.value, logger: global.makeLogger())
        let benchmark = ImagePipelineBenchmark(directory: directory, runs: runs, detection: DetectionOptions(upsample: upsample))
        return (benchmark, try benchmark.run(engine: engine))
    }
}
