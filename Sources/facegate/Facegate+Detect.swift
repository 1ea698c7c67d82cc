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

        /// The first spelling of --detector, kept for scripts.
        @Option(help: .hidden)
        var model: DetectionOptions.Model?

        @Argument(help: ArgumentHelp("JPEG or PNG files.", valueName: "IMAGE"))
        var images: [String]

        func validate() throws {
            if images.isEmpty { throw ValidationError("name at least one image") }
        }

        func run() async throws {
            try await analyzeFiles(
                images, global: global, options: options, detection: options.detection(detector: model.map { $0 == .cnn ? .cnn : .hog }),
                describe: false)
        }
    }
}

extension DetectionOptions.Model: ExpressibleByArgument {}

extension DetectionOptions.Detector: ExpressibleByArgument {
    /// The help of every command's --detector.
    static let help =
        "Face detector for photos: hog (fast, frontal faces), cnn (slow, finds turned faces), or auto (hog; when it finds no face, hog with one more doubling, then cnn)."
}
