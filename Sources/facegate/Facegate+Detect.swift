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

        @Option(help: "Detector: hog (fast, frontal) or cnn (slow, finds turned faces).")
        var model: DetectionOptions.Model = .hog

        @Argument(help: ArgumentHelp("JPEG or PNG files.", valueName: "IMAGE"))
        var images: [String]

        func validate() throws {
            if images.isEmpty { throw ValidationError("name at least one image") }
        }

        func run() async throws {
            try await analyzeFiles(images, global: global, options: options, detection: options.detection(model: model), describe: false)
        }
    }
}

extension DetectionOptions.Model: ExpressibleByArgument {}
