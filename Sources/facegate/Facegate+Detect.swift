public import ArgumentParser
import FaceEngine

extension Facegate {
    /// Finds faces in photos and prints their boxes.
    struct Detect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find the faces in images and print their boxes.",
            discussion: "Boxes are in the original image's pixels: left, top, right, bottom.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: FaceCommandOptions

        @Option(
            name: .customLong("min-face"),
            help: ArgumentHelp(
                "Ignore faces narrower than this; large images are downscaled so this size fills the 80 px detection window.",
                valueName: "PX"))
        var minFace: Int?

        @Option(help: "Detector: hog (fast, frontal) or cnn (slow, finds turned faces).")
        var model: DetectionOptions.Model = .hog

        @Argument(help: ArgumentHelp("JPEG or PNG files.", valueName: "IMAGE"))
        var images: [String]

        func validate() throws {
            if let minFace, minFace < 1 { throw ValidationError("--min-face must be at least 1 pixel") }
            if images.isEmpty { throw ValidationError("name at least one image") }
        }

        func run() async throws {
            // With --min-face the downscale does the work an upsample would undo,
            // so the upsample defaults to 0 unless given explicitly.
            let upsample = minFace != nil && !CommandLine.arguments.contains("--upsample") ? 0 : options.upsample
            let detection = DetectionOptions(model: model, upsample: upsample, minFaceSize: minFace)
            try await analyzeFiles(images, global: global, options: options, detection: detection, describe: false)
        }
    }
}

extension DetectionOptions.Model: ExpressibleByArgument {}
