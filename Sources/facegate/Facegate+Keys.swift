import ArgumentParser
import FacegateCore
import Vault

extension Facegate {
    /// Key management.
    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the device's keys.",
            subcommands: [Initialize.self])

        struct Initialize: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "init",
                abstract: "Create the key-encryption key and the audit signing key (never overwrites).",
                discussion: """
                    Files are created owner-read-only. Back the key directory up offline: without \
                    it no enrolled template can be decrypted, and that is how it should be.
                    """)

            @OptionGroup var state: StateOptions

            @Option(help: ArgumentHelp("Key directory (default: STATE_DIR/keys).", valueName: "DIR"))
            var dir: String?

            @Flag(help: "Print the result as JSON.")
            var json = false

            func run() async throws {
                try await runReportingErrors(json: json) {
                    let keys = dir.map(KeyDirectory.init(path:)) ?? state.location.keys
                    let created = try keys.initialize()
                    if json {
                        CommandOutput.json(["keys": .string(keys.path), "files": .array(created.map(JSONValue.string))])
                    } else {
                        CommandOutput.line("created \(created.joined(separator: ", "))")
                        CommandOutput.line("back up \(keys.path) offline: losing it makes every enrolled template unreadable")
                    }
                }
            }
        }
    }
}
