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
            abstract: "Create the device's keys; accept a damaged erasure journal.",
            subcommands: [Initialize.self, AcceptDamagedJournal.self])

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

extension Facegate.Keys {
    /// The way on from a damaged erasure journal when no intact copy exists.
    struct AcceptDamagedJournal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "accept-damaged-journal",
            abstract: "Accept a damaged erasure journal: keep its damaged lines aside and erase every subject they name.",
            discussion: """
                Use it only when no intact copy of the key directory's 'erasures' file exists (the recovery kit). \
                Each damaged line is copied to keys/erasures.damaged-TIME for the DPO and read as the erasure of \
                every subject id it still shows, or shows with up to two characters changed; the journal is sealed \
                again and the vault opens, applying them. Damage beyond that cannot be read: compare the DPO's \
                audit export (its subject.erase entries) with `facegate subjects`. Stop the daemon first.
                """)

        @OptionGroup var state: StateOptions
        @OptionGroup var global: GlobalOptions

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            try await runReportingErrors(json: json) {
                let policy = try state.loadPolicy()
                let location = state.location(policy: policy)
                let lock = try StateDirectoryLock(location: location, holder: .command, purpose: "accept a damaged erasure journal")
                let keys = try KeyRing.load(directory: location.keys, environment: ProcessEnvironment.current)
                let accepted = try VaultStore.acceptJournalDamage(keys: keys, at: Timestamp.now())
                let registry = try ConsentRegistry.open(
                    policy: policy, location: location, lock: lock, environment: ProcessEnvironment.current, logger: global.makeLogger(),
                    loadGallery: false)
                defer { registry.close() }
                // A pseudonym the damage changed is still found by its likeness.
                let likely = try registry.vault.subjects(nearlyNamedIn: accepted.text)
                if !accepted.lines.isEmpty || accepted.shortfall != nil {
                    var details: JSONObject = [
                        "lines": .array(accepted.lines.map(JSONValue.int)), "kept_in": .string(accepted.keptIn),
                        "erased_by_likeness": .int(likely.count),
                    ]
                    if let shortfall = accepted.shortfall { details["end"] = .string(shortfall) }
                    try registry.recordAudit(actor: OSUser.current(), action: "journal.damage_accepted", details: details)
                }
                for subject in likely { try registry.erase(subject, reason: .integrity, actor: OSUser.current()) }
                let result: JSONValue = [
                    "damaged_lines": .array(accepted.lines.map(JSONValue.int)),
                    "kept_in": accepted.keptIn.isEmpty ? .null : .string(accepted.keptIn),
                    "end": accepted.shortfall.map(JSONValue.string) ?? .null,
                    "erased": .array(likely.map { .string($0.rawValue) }),
                ]
                if json {
                    CommandOutput.json(result)
                } else if accepted.lines.isEmpty && accepted.shortfall == nil {
                    CommandOutput.line("the erasure journal is intact; nothing was changed")
                } else if let shortfall = accepted.shortfall, accepted.lines.isEmpty {
                    CommandOutput.line(
                        "accepted the erasure journal as it is (\(shortfall)): erasures cut from its end are not in it. Compare the audit export's erasures with `facegate subjects`, and erase who is missing"
                    )
                } else {
                    CommandOutput.line(
                        "accepted \(accepted.lines.count) damaged line(s) of the erasure journal (kept in \(accepted.keptIn)); \(likely.count) subject(s) they name erased. Compare the audit export's erasures with `facegate subjects` for one the damage hid"
                    )
                }
            }
        }
    }
}
