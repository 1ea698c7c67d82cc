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
            subcommands: [ConsentLog.self, Audit.self, Ropa.self, Subject.self])

        struct Output: ParsableArguments {
            @Option(help: ArgumentHelp("Write to this file (created 0600, never overwritten) instead of standard output.", valueName: "FILE"))
            var output: String?
        }

        struct ConsentLog: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "consent-log", abstract: "Every consent record.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var output: Output
            @Option(help: "jsonl or csv.") var format: String = "jsonl"
            func run() async throws {
                try await runExport("export.consent_log", ["format": .string(format)], global: global, state: state, output: output)
            }
        }

        struct Audit: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The audit log, its signed checkpoints and the public key (verify with `facegate audit verify`).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var output: Output
            @Option(help: "jsonl or csv.") var format: String = "jsonl"
            func run() async throws {
                try await runExport("export.audit", ["format": .string(format)], global: global, state: state, output: output)
            }
        }

        struct Ropa: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The Art. 30 record of processing, from the policy.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var output: Output
            @Option(help: "json or md.") var format: String = "json"
            func run() async throws {
                try await runExport("export.ropa", ["format": .string(format)], global: global, state: state, output: output)
            }
        }

        struct Subject: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The Art. 15 access response for one subject (describes the template, never exports it).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var output: Output
            @Argument(help: ArgumentHelp("The subject's pseudonym.", valueName: "SUBJECT")) var subject: String
            func run() async throws {
                try await runExport("export.subject", ["subject": .string(subject)], global: global, state: state, output: output)
            }
        }
    }
}

private func runExport(_ command: String, _ arguments: JSONObject, global: GlobalOptions, state: StateOptions, output: Facegate.Export.Output) async throws {
    try await runReportingErrors(json: false) {
        let result = try await AdminCommandRunner(global: global, state: state).run(AdminRequest(command: command, arguments: arguments), loadGallery: false)
        let content = result["content"]?.stringValue ?? ""
        guard let path = output.output else {
            StandardStreams.writeOut(content)
            return
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw AdminError(.invalidRequest, "cannot create '\(path)': \(String(cString: strerror(errno))) (exports never overwrite a file)")
        }
        StandardStreams.write(to: fd, content)
        fsync(fd)
        close(fd)
        StandardStreams.writeError("facegate: wrote \(path)\n")
    }
}
