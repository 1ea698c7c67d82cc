import ArgumentParser

/// The facegate command line: the appliance daemon, its admin commands and the tools
/// that look at photos.
@main
struct Facegate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facegate",
        abstract: "Privacy-first face recognition for a venue entrance, on the device.",
        discussion: """
            Faces are detected with dlib's HOG detector, aligned with the 5-point model and \
            described with dlib's ResNet, all in this process. Images are never written anywhere.
            """,
        version: FacegateVersion.current,
        subcommands: [
            Detect.self, Embed.self, Compare.self, Evaluate.self, Enroll.self, Status.self, PolicyCommand.self, IncidentCommand.self, DenyList.self, Door.self, Identify.self, Subjects.self, Consent.self, Erase.self,
            Purge.self, Export.self, Audit.self, Stats.self, Run.self, MakeClip.self, Doctor.self, Keys.self, Backup.self, Restore.self,
            Bench.self,
        ]
    )
}

enum FacegateVersion {
    static let current = "0.1.0"
}
