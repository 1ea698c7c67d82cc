import ArgumentParser
import FaceEngine
import FacegateCore

extension Facegate {
    /// Says whether the largest faces of two photos are the same person.
    struct Compare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare the largest face of two images.",
            discussion: "Prints the Euclidean distance between the two descriptors; below the threshold means the same person.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: FaceCommandOptions

        @Option(help: "Distance below which two faces are the same person.")
        var threshold: Double = 0.6

        @Argument(help: ArgumentHelp("The first image.", valueName: "IMAGE_A"))
        var imageA: String

        @Argument(help: ArgumentHelp("The second image.", valueName: "IMAGE_B"))
        var imageB: String

        func validate() throws {
            guard threshold > 0 && threshold < 4 else { throw ValidationError("--threshold must be between 0 and 4") }
        }

        func run() async throws {
            try await runReportingErrors(json: options.json) {
                let engine = try FaceEngine(models: try global.locateModels(), logger: global.makeLogger())
                let decoder = ImageDecoder(maxPixels: options.maxPixels)
                let detection = options.detection()
                let a = try largestDescriptor(imageA, engine: engine, decoder: decoder, detection: detection)
                let b = try largestDescriptor(imageB, engine: engine, decoder: decoder, detection: detection)
                let distance = Double(a.distance(to: b))
                let same = distance < threshold
                if options.json {
                    CommandOutput.json(["distance": .double(distance), "same": .bool(same), "threshold": .double(threshold)])
                } else {
                    let verdict = same ? "the same person" : "different people"
                    CommandOutput.line("distance \(distance) \(same ? "<" : ">=") \(threshold): \(verdict)")
                }
            }
        }

        private func largestDescriptor(
            _ file: String, engine: FaceEngine, decoder: ImageDecoder, detection: DetectionOptions
        ) throws -> FaceDescriptor {
            guard let descriptor = try engine.describeFace(in: try decoder.decode(file: file), choosing: .largest, options: detection)
            else {
                throw CommandError(
                    .invalidImage, "no face found in '\(file)'; use a photo where the face is frontal and at least 60 px wide")
            }
            return descriptor
        }
    }
}
