import ArgumentParser
import Consent
import FacegateCore
import Vault

#if canImport(Glibc)
    import Glibc
#endif

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
            @OptionGroup var global: GlobalOptions

            @Option(help: ArgumentHelp("Key directory (default: STATE_DIR/keys).", valueName: "DIR"))
            var dir: String?

            @Flag(help: "Print the result as JSON.")
            var json = false

            func run() async throws {
                try await runReportingErrors(json: json) {
                    if let dir {
                        // Keys alone, somewhere else (to be moved into place by hand).
                        let created = try KeyDirectory(path: dir).initialize()
                        return report(keys: dir, files: created, database: nil)
                    }
                    // A new device: keys, then the (empty) vault, which nothing else creates.
                    let policy = try state.loadPolicy()
                    let location = state.location(policy: policy)
                    try location.createDirectory()
                    let lock = try StateDirectoryLock(location: location, holder: .command, purpose: "initialise the state directory")
                    let complete = [location.keys.kekPath, location.keys.signingKeyPath, location.keys.publicKeyPath].allSatisfy {
                        (path: String) in access(path, F_OK) == 0
                    }
                    let created = complete && access(location.database, F_OK) != 0 ? [] : try location.keys.initialize()
                    try ConsentRegistry.open(
                        policy: policy, location: location, lock: lock, environment: ProcessEnvironment.current,
                        logger: global.makeLogger(),
                        loadGallery: false, creating: true
                    ).close()
                    report(keys: location.keys.path, files: created, database: location.database)
                }
            }

            private func report(keys: String, files: [String], database: String?) {
                if json {
                    CommandOutput.json(["keys": .string(keys), "files": .array(files.map(JSONValue.string)), "database": .string(database)])
                } else {
                    if !files.isEmpty { CommandOutput.line("created \(files.joined(separator: ", "))") }
                    if let database { CommandOutput.line("the vault is ready: \(database)") }
                    CommandOutput.line("back up \(keys) offline: losing it makes every enrolled template unreadable")
                }
            }
        }
    }
}
