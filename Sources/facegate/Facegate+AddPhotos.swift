import ArgumentParser
import Edge
import FaceEngine
import FacegateCore
import Vault

extension Facegate {
    /// Adds photos of an enrolled member: more templates for a member the door misses.
    struct AddPhotos: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-photos",
            abstract: "Add photos of an enrolled member (more templates), their consent record unchanged; audited.",
            discussion: """
                For a member the door often misses (one old photo, glasses or a beard since): the \
                largest face of each photo becomes another template of theirs, and the door matches \
                the nearest. Each photo is held to the enrolment bar (frontal, sharp), must show that \
                member (closer to their templates than the policy's threshold) and not be nearer another \
                member. The photos themselves are never stored.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions

        @Option(help: ArgumentHelp("The member's subject id (32 hex digits, as `facegate subjects` prints it).", valueName: "SUBJECT"))
        var subject: String

        @Option(help: ArgumentHelp(DetectionOptions.Detector.help, valueName: "hog|cnn|auto"))
        var detector: DetectionOptions.Detector = .auto

        @Argument(help: ArgumentHelp("Photos of the member.", valueName: "IMAGE"))
        var images: [String] = []

        func validate() throws {
            if images.isEmpty { throw ValidationError("name at least one photo of the member") }
            if SubjectID(subject) == nil {
                throw ValidationError("--subject takes a subject id (32 hex digits, as `facegate subjects` prints it; got '\(subject)')")
            }
        }

        func run() async throws {
            try await runReportingErrors(json: options.json) {
                guard let id = SubjectID(subject) else { throw ValidationError("--subject takes a subject id") }
                let result = try await AdminCommandRunner(global: global, state: state).run(
                    .addPhotos(id, detector: detector), images: images.map(ImageSource.file), loadGallery: true)
                if options.json {
                    CommandOutput.json(result)
                } else {
                    CommandOutput.line(
                        "added \(result["templates_added"]?.intValue ?? 0) template(s) to subject \(subject): \(result["templates"]?.intValue ?? 0) in all; consent record unchanged"
                    )
                }
            }
        }
    }
}
