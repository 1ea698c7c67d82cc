import ArgumentParser
import Edge

#if canImport(Glibc)
    import Glibc
#endif

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
            Detect.self, Embed.self, Compare.self, Evaluate.self, Enrol.self, AddPhotos.self, Status.self, PolicyCommand.self,
            IncidentCommand.self,
            DenyList.self, Door.self, Card.self, OSDP.self, ConsoleCommand.self, Identify.self, Subjects.self, Consent.self, Erase.self,
            Purge.self, Export.self, Audit.self, Stats.self, Run.self, MakeClip.self, Doctor.self, Keys.self, Backup.self, Restore.self,
            Bench.self, FleetCommand.self,
        ]
    )
}

extension Facegate {
    /// Every file facegate creates is the owner's alone unless it says otherwise
    /// (the admin socket is 0660 for the admin group): the database, its -wal and
    /// -shm, the journals, backups and exports.
    static func main() async {
        umask(0o077)
        // The daemon handles SIGTERM from its first instant (see EarlyStop).
        if CommandLine.arguments.dropFirst().first == "run" { EarlyStop.install() }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
