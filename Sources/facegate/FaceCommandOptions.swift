import ArgumentParser
import FaceEngine
import FacegateCore

/// Detection options shared by the commands that look at photos.
struct FaceCommandOptions: ParsableArguments {
    @Flag(help: "One JSON document per image on standard output.")
    var json = false

    @Option(
        help: ArgumentHelp(
            "Times to double the image before detection, at full size (0-4; default: chosen from the image's size and --min-face).",
            valueName: "N"))
    var upsample: Int?

    @Option(
        name: .customLong("min-face"),
        help: ArgumentHelp(
            "The narrowest face to find; narrower ones are ignored. Large images are downscaled so this size fills the 80 px detection window (default: 60 px; on a very large image, about 1/20 of its shorter side).",
            valueName: "PX"))
    var minFace: Int?

    @Option(name: .customLong("max-pixels"), help: "Refuse images whose header claims more pixels than this.")
    var maxPixels: Int = ImageDecoder.defaultMaxPixels

    @Option(help: ArgumentHelp(DetectionOptions.Detector.help, valueName: "hog|cnn|auto"))
    var detector: DetectionOptions.Detector = .auto

    /// The detection options these flags ask for: the working resolution is chosen
    /// per image unless --upsample is given.
    func detection(detector: DetectionOptions.Detector? = nil) -> DetectionOptions {
        .photo(detector: detector ?? self.detector, upsample: upsample, minFace: minFace)
    }

    func validate() throws {
        if let upsample, !(0...4).contains(upsample) { throw ValidationError("--upsample must be between 0 and 4") }
        if let minFace, minFace < 1 { throw ValidationError("--min-face must be at least 1 pixel") }
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
    }
}

/// Runs `detect` or `embed` over files, one report per file, and exits with the
/// batch's status: every image is attempted even when some fail.
func analyzeFiles(
    _ files: [String], global: GlobalOptions, options: FaceCommandOptions, detection: DetectionOptions, describe: Bool,
    jitter: Int = 0
) async throws {
    let logger = global.makeLogger()
    let decoder = ImageDecoder(maxPixels: options.maxPixels)
    // The first photo is decoded while the models load (unpacking dlib's detector alone
    // takes about 0.45 s), so that one large photo is answered sooner.
    let first = files.first.map { file in
        Task.detached { () -> (Result<RGBImage, FaceEngineError>, Double) in
            let start = ContinuousClock.now
            let image = Result { () throws(FaceEngineError) in try decoder.decode(file: file) }
            return (image, (ContinuousClock.now - start).milliseconds)
        }
    }
    let engine: FaceEngine
    do {
        engine = try FaceEngine(models: try global.locateModels(), loadCNN: detection.model == .cnn, logger: logger)
    } catch {
        throw CommandOutput.fail(error, json: options.json)
    }
    var outcome = BatchOutcome()
    for (index, file) in files.enumerated() {
        do {
            var analysis: FaceAnalysis
            if index == 0, let first {
                let (image, decodeTime) = await first.value
                analysis = try engine.analyze(try image.get(), options: detection, describe: describe, jitter: jitter)
                analysis.timings.decode = decodeTime
            } else {
                analysis = try engine.analyze(file: file, decoder: decoder, options: detection, describe: describe, jitter: jitter)
            }
            let report = ImageFacesReport(file: file, analysis: analysis, includeEmbeddings: describe)
            if options.json { CommandOutput.json(report.json) } else { CommandOutput.line(report.text) }
            outcome.recordSuccess()
        } catch {
            if options.json {
                CommandOutput.json(ImageFacesReport.errorJSON(file: file, error: error))
            } else {
                CommandOutput.error(error.message)
            }
            outcome.recordFailure(error.exitStatus)
        }
    }
    if outcome.exitCode != .success { throw outcome.exitCode }
}

/// Refuses a `--jitter` outside `FaceEngine.jitterRange`.
func validateJitter(_ jitter: Int) throws {
    guard FaceEngine.jitterRange.contains(jitter) else {
        throw ValidationError("--jitter must be between 0 and \(FaceEngine.jitterRange.upperBound)")
    }
}
