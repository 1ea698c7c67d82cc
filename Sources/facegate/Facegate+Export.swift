import ArgumentParser
import Edge
import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

extension Facegate {
    /// Exports for the DPO.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export records for the DPO (JSON Lines signed by the device, or CSV).",
            subcommands: [ConsentLog.self, Audit.self, Ropa.self, Dpia.self, Subject.self])

        struct Output: ParsableArguments {
            @Option(
                help: ArgumentHelp("Write to this file (created 0600, never overwritten) instead of standard output.", valueName: "FILE"))
            var output: String?
        }

        struct ConsentLog: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "consent-log", abstract: "Every consent record.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var output: Output
            @Option(help: "jsonl or csv.") var format: String = "jsonl"
            func run() async throws {
                try await runExport(
                    .exportConsentLog(try AdminArguments.exportFormat(parsing: format)), global: global, state: state, output: output)
            }
        }

        struct Audit: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "The audit log, its signed checkpoints and the public key (verify with `facegate audit verify`).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var output: Output
            @Option(help: "jsonl or csv.") var format: String = "jsonl"
            @Flag(
                help: ArgumentHelp(
                    "Every door's audit chain, read from the fleet's hub (a door of a fleet; jsonl only), sealed by this door."))
            var fleet = false
            func validate() throws {
                if fleet && format != "jsonl" { throw ValidationError("--fleet exports jsonl only; drop --format \(format)") }
            }
            func run() async throws {
                try await runExport(
                    fleet ? .exportFleetAudit : .exportAudit(try AdminArguments.exportFormat(parsing: format)), global: global,
                    state: state,
                    output: output)
            }
        }

        struct Ropa: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The Art. 30 record of processing, from the policy.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var output: Output
            @Option(help: "json, md, or html (a page to print).") var format: String = "json"
            @Flag(
                help: ArgumentHelp(
                    "Export even while Art. 30 fields are empty or the shipped example, marked as a draft (without it, that is refused, exit 78)."
                ))
            var draft = false
            func run() async throws {
                try await runExport(
                    .exportRecordOfProcessing(try AdminArguments.exportFormat(parsing: format), draft: draft), global: global,
                    state: state, output: output)
            }
        }

        struct Dpia: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "A draft data-protection impact assessment (Art. 35(7)) from the policy and the device, for the DPO to complete.",
                discussion: """
                    Describes the processing (the trigger in force, what is stored, where, for how long, who \
                    sees what), its necessity and proportionality (the card alternative, data minimisation), \
                    the risks to people with facegate's measures and the requirements whose tests prove them \
                    (docs/PRIVACY.md), and the open items only the controller can complete. Always a draft.
                    """)
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var output: Output
            @Option(help: "md, json, or html (a page to print).") var format: String = "md"
            func run() async throws {
                try await runExport(
                    .exportImpactAssessment(try AdminArguments.exportFormat(parsing: format)), global: global, state: state, output: output)
            }
        }

        struct Subject: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "The Art. 15 access response for one subject (describes the template, never exports it).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var output: Output
            @Option(help: "json, or md or html: a letter to the person.") var format: String = "json"
            @Argument(help: ArgumentHelp("The subject's pseudonym.", valueName: "SUBJECT")) var subject: String
            func run() async throws {
                try await runExport(
                    .exportSubject(try AdminArguments.subject(parsing: subject), format: try AdminArguments.exportFormat(parsing: format)),
                    global: global, state: state, output: output)
            }
        }
    }
}

/// Runs an export. The output file is created (owner-only, never overwriting)
/// before the export is asked for: a refused file is audited as a refused export,
/// not as one done; a write that fails (a full disk) is removed and audited as failed.
private func runExport(
    _ command: @autoclosure () throws -> AdminCommand, global: GlobalOptions, state: StateOptions, output: Facegate.Export.Output
) async throws {
    try await runReportingErrors(json: false) {
        let command = try command()
        let runner = AdminCommandRunner(global: global, state: state)
        func undelivered(_ outcome: String, _ reason: String) async {
            _ = try? await runner.run(.exportUndelivered(export: command.name.rawValue, outcome: outcome, reason: reason))
        }
        guard let path = output.output else {
            let result = try await runner.run(command)
            StandardStreams.writeOut(result["content"]?.stringValue ?? "")
            return
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = errno
            await undelivered("refused", reason == EEXIST ? "the output file exists" : "the output file could not be created")
            if reason == ENOSPC { throw CommandError(.exportFailed, "the disk holding '\(path)' is full; nothing was exported") }
            throw CommandError(
                .exportFailed,
                "cannot create '\(path)': \(String(cString: strerror(reason))) (exports never overwrite a file); nothing was exported")
        }
        let content: String
        do {
            content = try await runner.run(command)["content"]?.stringValue ?? ""
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        var text = content
        let written = text.withUTF8 { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                offset += n
            }
            return fsync(fd) == 0
        }
        let reason = errno
        close(fd)
        guard written else {
            unlink(path)
            await undelivered("write_failed", reason == ENOSPC ? "the disk is full" : "the output file could not be written")
            throw CommandError(
                .exportFailed, "writing '\(path)' failed: \(String(cString: strerror(reason))); the partial file was removed")
        }
        StandardStreams.writeError("facegate: wrote \(path)\n")
    }
}
