import ArgumentParser
import Edge
import FacegateCore
import Logging
import Vault

extension Facegate {
    /// Copies the encrypted database.
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the encrypted database to a file (ciphertext only; the keys are not included).")

        @OptionGroup var state: StateOptions
        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The backup file to create (never overwritten).", valueName: "DEST"))
        var destination: String

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            try await runReportingErrors(json: json) {
                let location = state.location
                let store = try VaultStore.open(
                    path: location.database, kek: location.keys.loadKEK(environment: ProcessEnvironment.current),
                    logger: global.makeLogger(), loadGallery: false)
                try store.backup(to: destination)
                if json {
                    CommandOutput.json(["backup": .string(destination)])
                } else {
                    CommandOutput.line("backed up \(location.database) to \(destination)")
                }
            }
        }
    }

    /// Replaces the database with a backup, then replays every erasure since.
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the database with a backup; subjects erased since the backup stay erased.",
            discussion: "Stop the daemon first. The erasure journal is replayed before anything is served.")

        @OptionGroup var state: StateOptions
        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The backup file.", valueName: "SRC"))
        var source: String

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            try await runReportingErrors(json: json) {
                let location = state.location
                let kek = try location.keys.loadKEK(environment: ProcessEnvironment.current)
                let lock = try StateDirectoryLock(location: location, purpose: "restore a backup")
                defer { lock.release() }
                try VaultStore.restore(from: source, to: location.database, kek: kek)
                let store = try VaultStore.open(path: location.database, kek: kek, logger: global.makeLogger(), loadGallery: false)
                let count = try store.subjects().count
                if json {
                    CommandOutput.json(["restored": .string(source), "subjects": .int(count)])
                } else {
                    CommandOutput.line("restored \(source): \(count) subject(s) after replaying the erasure journal")
                }
            }
        }
    }
}
