import ArgumentParser
import FaceEngine
import FacegateCore

/// Detection options shared by the commands that look at photos.
struct FaceCommandOptions: ParsableArguments {
    @Flag(help: "One JSON document per image on standard output.")
    var json = false

    @Option(help: "Times to double the image before detection, to find faces smaller than 80 px (0-4).")
    var upsample: Int = 1

    @Option(name: .customLong("max-pixels"), help: "Refuse images whose header claims more pixels than this.")
    var maxPixels: Int = ImageDecoder.defaultMaxPixels

    func validate() throws {
        guard (0...4).contains(upsample) else { throw ValidationError("--upsample must be between 0 and 4") }
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
    }
}

/// Runs `detect` or `embed` over files, one report per file, and exits with the
/// batch's status: every image is attempted even when some fail.
func analyzeFiles(
    _ files: [String], global: GlobalOptions, options: FaceCommandOptions, detection: DetectionOptions, describe: Bool
) async throws {
    let logger = global.makeLogger()
    let engine: FaceEngine
    do {
        engine = try FaceEngine(models: try global.locateModels(), loadCNN: detection.model == .cnn, logger: logger)
    } catch {
        throw CommandOutput.fail(error, json: options.json)
    }
    let decoder = ImageDecoder(maxPixels: options.maxPixels)
    var outcome = BatchOutcome()
    for file in files {
        do {
            let analysis = try engine.analyze(file: file, decoder: decoder, options: detection, describe: describe)
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
