import ArgumentParser
import FaceEngine

extension Facegate {
    /// Prints each face's 128-D descriptor.
    struct Embed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the 128-D descriptor of every face in images.",
            discussion: "The descriptors are printed, never stored. They are personal data: handle the output accordingly.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: FaceCommandOptions

        @Option(
            help: ArgumentHelp(
                "Average each descriptor over N jittered and mirrored copies of the face (dlib's recipe; 0: none; N network passes per face).",
                valueName: "N"))
        var jitter: Int = 0

        @Argument(help: ArgumentHelp("JPEG or PNG files.", valueName: "IMAGE"))
        var images: [String]

        func validate() throws {
            if images.isEmpty { throw ValidationError("name at least one image") }
            try validateJitter(jitter)
        }

        func run() async throws {
            try await analyzeFiles(images, global: global, options: options, detection: options.detection(), describe: true, jitter: jitter)
        }
    }
}
