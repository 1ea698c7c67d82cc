import ArgumentParser
import Consent
import Edge
import FaceEngine
import FacegateCore
import Vault

extension Facegate {
    /// Enrols a consenting person from photos.
    struct Enrol: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enrol a person from photos, with their consent record, in one transaction.",
            discussion: """
                The largest face of each photo is used; several photos of the person make several \
                templates, and the door matches the nearest. Nothing is stored when a photo has no face, \
                when the photos show different people, or when the face is already enrolled: closer to \
                a member than a different person comes by chance once in a thousand enrolments (the \
                shipped calibration). The refusal names the member; when they are two different \
                people an admin enrols anyway with --different-from SUBJECT, audited. The photos \
                themselves are never stored.
                """,
            aliases: ["enroll"])

        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions

        @Option(help: ArgumentHelp(DetectionOptions.Detector.help, valueName: "hog|cnn|auto"))
        var detector: DetectionOptions.Detector = .auto

        @Option(help: "The person's display name (stored encrypted).")
        var name: String

        @Option(help: "The version of the consent notice the person read.")
        var notice: String

        @Option(name: .customLong("purpose"), help: "A purpose the person consented to (repeat for several).")
        var purposes: [String] = []

        @Option(help: "How consent was given (e.g. signed-form, tablet).")
        var method: String

        @Option(
            name: .customLong("field"),
            help: ArgumentHelp(
                "A membership field the policy records ([consent] member_fields, e.g. membership_number=M-1042), stored encrypted.",
                valueName: "KEY=VALUE"))
        var fields: [String] = []

        @Option(
            help: ArgumentHelp(
                "Link this membership card (badge number, QR code, PIN; - reads it from standard input) for card-and-face entry; stored as a keyed digest, never in the clear.",
                valueName: "NUMBER"))
        var card: String?

        @Option(
            name: .customLong("different-from"),
            help: ArgumentHelp(
                "After a refusal that took the face for this member's: an admin confirms they are two different people, and the enrolment goes ahead (audited; repeat for several).",
                valueName: "SUBJECT"))
        var differentFrom: [String] = []

        @Flag(
            help:
                "Enrol from the camera instead of photos: the person looks at it until enough good frames are taken (found by HOG, as at the door)."
        )
        var camera = false

        @Option(
            help: ArgumentHelp(
                "With --camera: the frame source (default: the policy's source, else the first /dev/video*).", valueName: "SOURCE"))
        var source: String?

        @Option(help: "With --camera: how many good frames (one face, large enough) to enrol from.")
        var frames: Int = 5

        @Argument(help: ArgumentHelp("Photos of the person.", valueName: "IMAGE"))
        var images: [String] = []

        func validate() throws {
            if camera && !images.isEmpty { throw ValidationError("use either --camera or photos, not both") }
            if !camera && images.isEmpty { throw ValidationError("name at least one photo, or use --camera") }
            if !(1...30).contains(frames) { throw ValidationError("--frames must be between 1 and 30") }
            for field in fields where !field.contains("=") { throw ValidationError("--field takes KEY=VALUE (got '\(field)')") }
            for subject in differentFrom where SubjectID(subject) == nil {
                throw ValidationError(
                    "--different-from takes a subject id (32 hex digits, as the refusal and `facegate subjects` print them; got '\(subject)')"
                )
            }
        }

        func run() async throws {
            try await runReportingErrors(json: options.json) {
                var personal: [String: String] = [:]
                for field in fields {
                    let parts = field.split(separator: "=", maxSplits: 1).map(String.init)
                    personal[parts[0]] = parts.count > 1 ? parts[1] : ""  // the last one given wins
                }
                let request = EnrolmentRequest(
                    displayName: name, fields: personal, noticeVersion: notice, purposes: purposes, method: method,
                    card: try card.map(CardNumber.read), differentFrom: differentFrom.compactMap(SubjectID.init))
                // The camera's frames were chosen by HOG with exactly one face, as the door
                // chooses its own: auto's CNN pass beside HOG is for photos (90 s a frame in
                // the camera test's guest, seconds on a small box, with the person waiting).
                let detector = camera && detector == .auto ? .hog : detector
                let result = try await AdminCommandRunner(global: global, state: state).run(
                    .enrol(request, detector: detector), images: camera ? try cameraFrames() : images.map(ImageSource.file),
                    loadGallery: true,
                    inProcessOnly: camera)
                if options.json {
                    CommandOutput.json(["subject": result["subject"] ?? .null, "templates": result["templates"] ?? .null])
                } else {
                    CommandOutput.line(
                        "enrolled subject \(result["subject"]?.stringValue ?? "?") with \(result["templates"]?.intValue ?? 0) template(s); consent record \(result["consent_record"]?.stringValue ?? "?"), expires \(result["expires_at"]?.stringValue ?? "?")"
                    )
                }
            }
        }

        /// Good frames from the camera, in memory only.
        private func cameraFrames() throws -> [ImageSource] {
            let policy = try state.loadPolicy()
            let spec: FrameSourceSpec
            if let source {
                spec = try FrameSourceSpec(parsing: source)
            } else if let configured = policy.appliance.source {
                spec = try FrameSourceSpec(parsing: configured)
            } else {
                spec = try FrameSourceSpec.firstCamera(otherwise: "enrol from photos, or pass --source")
            }
            let frames = try spec.open(sourceUser: policy.appliance.sourceUser)
            defer { frames.close() }
            let engine = try FaceEngine(models: try global.locateModels(), logger: global.makeLogger())
            if !options.json { CommandOutput.line("look at the camera: taking \(self.frames) frames with one face…") }
            let chosen = try CameraEnrolment(
                count: self.frames, minFacePixels: policy.recognition.minFacePixels, lowLightLuma: policy.recognition.lowLightLuma
            ).collectAll(from: frames, engine: engine)
            return chosen.enumerated().map { .frame(name: "\(frames.name) frame \($0.offset + 1)", $0.element) }
        }
    }

    /// Says who is in photos, storing nothing.
    struct Identify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say who is in photos (one face or a group); nothing is stored.",
            discussion:
                "Per face: the matching subject, the distance and the decision (member, unknown, alert). Names are shown to admins only.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions

        @Option(help: ArgumentHelp(DetectionOptions.Detector.help, valueName: "hog|cnn|auto"))
        var detector: DetectionOptions.Detector = .auto

        @Argument(help: ArgumentHelp("Photos.", valueName: "IMAGE"))
        var images: [String]

        func validate() throws {
            if images.isEmpty { throw ValidationError("name at least one photo") }
        }

        func run() async throws {
            try await runReportingErrors(json: options.json) {
                let results = try await AdminCommandRunner(global: global, state: state).run(
                    .identify(detector: detector), images: images.map(ImageSource.file), loadGallery: true)
                var outcome = BatchOutcome()
                for result in results.arrayValue ?? [] {
                    if let error = result["error"] {
                        outcome.recordFailure(Self.status(of: error))
                        if options.json {
                            CommandOutput.json(result)
                        } else {
                            CommandOutput.error(error["message"]?.stringValue ?? "failed")
                        }
                        continue
                    }
                    outcome.recordSuccess()
                    if options.json {
                        CommandOutput.json(result)
                    } else {
                        let faces = result["faces"]?.arrayValue ?? []
                        CommandOutput.line("\(result["file"]?.stringValue ?? ""): \(faces.count) face\(faces.count == 1 ? "" : "s")")
                        for (index, face) in faces.enumerated() {
                            let box = face["box"]
                            var line =
                                "  face \(index + 1) (left \(box?["left"]?.intValue ?? 0), top \(box?["top"]?.intValue ?? 0)): \(face["decision"]?.stringValue ?? "?")"
                            if let subject = face["subject"]?.stringValue { line += " \(subject)" }
                            if let name = face["name"]?.stringValue { line += " (\(name))" }
                            if let distance = face["distance"]?.doubleValue { line += ", distance \(distance)" }
                            CommandOutput.line(line)
                        }
                    }
                }
                if outcome.exitCode != .success { throw outcome.exitCode }
            }
        }

        static func status(of error: JSONValue) -> ExitStatus {
            ExitStatus(json: error) ?? .dataError
        }
    }
}
