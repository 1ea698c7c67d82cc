import ArgumentParser
import Consent
import Edge
import FacegateCore
import FoundationEssentials

extension Facegate {
    /// Audit log tools.
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify exports offline, and check the device's integrity.", subcommands: [Verify.self, Check.self])

        struct Check: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Check the device now: the database file, the audit chain in the database and in its file, every ciphertext.",
                discussion: """
                    Any problem is recorded as a breach event (`breach.detected`) in the audit log, with the \
                    pseudonyms of the subjects affected, for the DPO's notification; the command then exits \
                    with status 65. `facegate run` runs the same check at start.
                    """)
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @Flag(help: "Print the result as JSON.") var json = false

            func run() async throws {
                try await runReportingErrors(json: json) {
                    let report = try await AdminCommandRunner(global: global, state: state).run(.auditCheck)
                    let sound = report["sound"]?.boolValue == true
                    if json {
                        CommandOutput.json(report)
                    } else if sound {
                        let checked = report["checked"]
                        CommandOutput.line(
                            "sound: \(checked?["audit_entries"]?.intValue ?? 0) audit entries, \(checked?["subjects"]?.intValue ?? 0) subjects, \(checked?["sealed_fields"]?.intValue ?? 0) sealed fields checked"
                        )
                    } else {
                        for problem in report["problems"]?.arrayValue ?? [] {
                            CommandOutput.error("\(problem["check"]?.stringValue ?? "?"): \(problem["detail"]?.stringValue ?? "")")
                        }
                        let affected = (report["affected_subjects"]?.arrayValue ?? []).compactMap(\.stringValue)
                        CommandOutput.error(
                            "a breach event was recorded in the audit log; affected subjects: \(affected.isEmpty ? "none named" : affected.joined(separator: ", "))"
                        )
                    }
                    if !sound { throw ExitCode(ExitStatus.dataError.rawValue) }
                }
            }
        }

        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Verify an export offline: the audit hash chain and signed checkpoints, or an export's signature.",
                discussion:
                    "Names the first entry where the chain or a signature breaks. Needs no key but the device's public key (--public-key); without it, the key inside the export is used and reported as such."
            )

            @Argument(help: ArgumentHelp("The export file.", valueName: "FILE"))
            var file: String

            @Option(
                name: .customLong("public-key"),
                help: ArgumentHelp("The device's public key: a file (32 raw bytes or 64 hex digits) or the hex itself.", valueName: "KEY"))
            var publicKey: String?

            @Option(
                help: ArgumentHelp(
                    "An earlier audit export of the same device: check that FILE continues it (no entry changed, none removed).",
                    valueName: "EARLIER"))
            var previous: String?

            @Flag(help: "Print the result as JSON.")
            var json = false

            func run() async throws {
                try await runReportingErrors(json: json) {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        throw CommandError(.notFound, "cannot read '\(file)'")
                    }
                    let key = try publicKey.map(Self.readKey)
                    var result = try ExportVerification.verify(text: String(decoding: data, as: UTF8.self), publicKey: key)
                    if let previous, result.valid {
                        guard let earlier = FileManager.default.contents(atPath: previous) else {
                            throw CommandError(.notFound, "cannot read the earlier export '\(previous)'")
                        }
                        let lines = { (data: Data) in String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init) }
                        if let problem = try AuditVerifier.extends(lines(data), older: lines(earlier), publicKey: key) {
                            result.valid = false
                            result.detail = [
                                "failure": ["seq": 0, "line": 0, "reason": .string("does not continue \(previous): \(problem)")]
                            ]
                        }
                    }
                    if json {
                        CommandOutput.json(result.json)
                    } else if result.valid {
                        let entries =
                            result.detail["entries"]?.intValue.map {
                                "\($0) entries, \(result.detail["checkpoints"]?.intValue ?? 0) signed checkpoints"
                            }
                            ?? "\(result.detail["lines"]?.intValue ?? 0) lines"
                        let sealed = result.detail["sealed_at"]?.stringValue.map { ", sealed \($0)" } ?? ""
                        CommandOutput.line(
                            "\(file): valid \(result.kind) export (\(entries)\(sealed)); key from \(result.detail["public_key_source"]?.stringValue ?? "?")"
                        )
                        if let previous { CommandOutput.line("it continues \(previous): no entry changed or removed") }
                        if key == nil {
                            CommandOutput.line(
                                "note: pass --public-key with the device's audit-signing.pub to check it is the device's key")
                        }
                    } else {
                        let failure = result.detail["failure"]
                        CommandOutput.error(
                            "\(file): NOT valid: \(failure?["reason"]?.stringValue ?? "unknown") (first bad entry: \(failure?["seq"]?.intValue ?? 0), line \(failure?["line"]?.intValue ?? 0))"
                        )
                    }
                    if !result.valid { throw ExitCode(ExitStatus.dataError.rawValue) }
                }
            }

            static func readKey(_ text: String) throws -> [UInt8] {
                if let bytes = Hex.decode(String(text.filter { !$0.isWhitespace })), bytes.count == 32 { return bytes }
                guard let data = FileManager.default.contents(atPath: text) else {
                    throw CommandError(.invalidArgument, "--public-key: '\(text)' is neither 64 hex digits nor a readable file")
                }
                if data.count == 32 { return [UInt8](data) }
                if let bytes = Hex.decode(String(String(decoding: data, as: UTF8.self).filter { !$0.isWhitespace })), bytes.count == 32 {
                    return bytes
                }
                throw CommandError(.invalidArgument, "--public-key: '\(text)' does not hold a 32-byte Ed25519 public key")
            }
        }
    }
}
