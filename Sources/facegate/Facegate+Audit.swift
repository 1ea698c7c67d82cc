import ArgumentParser
import Consent
import Edge
import FacegateCore
import FoundationEssentials

extension Facegate {
    /// Audit log tools.
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify audit and other exports offline.", subcommands: [Verify.self])

        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Verify an export offline: the audit hash chain and signed checkpoints, or an export's signature.",
                discussion: "Names the first entry where the chain or a signature breaks. Needs no key but the device's public key (--public-key); without it, the key inside the export is used and reported as such.")

            @Argument(help: ArgumentHelp("The export file.", valueName: "FILE"))
            var file: String

            @Option(name: .customLong("public-key"), help: ArgumentHelp("The device's public key: a file (32 raw bytes or 64 hex digits) or the hex itself.", valueName: "KEY"))
            var publicKey: String?

            @Flag(help: "Print the result as JSON.")
            var json = false

            func run() async throws {
                try await runReportingErrors(json: json) {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        throw ConsentError(.notFound, "cannot read '\(file)'")
                    }
                    let key = try publicKey.map(Self.readKey)
                    let result = try ExportVerification.verify(text: String(decoding: data, as: UTF8.self), publicKey: key)
                    if json {
                        CommandOutput.json(result.json)
                    } else if result.valid {
                        let entries = result.detail["entries"]?.intValue.map { "\($0) entries, \(result.detail["checkpoints"]?.intValue ?? 0) signed checkpoints" }
                            ?? "\(result.detail["lines"]?.intValue ?? 0) lines"
                        CommandOutput.line("\(file): valid \(result.kind) export (\(entries)); key from \(result.detail["public_key_source"]?.stringValue ?? "?")")
                        if key == nil { CommandOutput.line("note: pass --public-key with the device's audit-signing.pub to check it is the device's key") }
                    } else {
                        let failure = result.detail["failure"]
                        CommandOutput.error("\(file): NOT valid: \(failure?["reason"]?.stringValue ?? "unknown") (first bad entry: \(failure?["seq"]?.intValue ?? 0), line \(failure?["line"]?.intValue ?? 0))")
                    }
                    if !result.valid { throw ExitCode(ExitStatus.dataError.rawValue) }
                }
            }

            static func readKey(_ text: String) throws -> [UInt8] {
                if let bytes = Hex.decode(String(text.filter { !$0.isWhitespace })), bytes.count == 32 { return bytes }
                guard let data = FileManager.default.contents(atPath: text) else {
                    throw ConsentError(.invalidArgument, "--public-key: '\(text)' is neither 64 hex digits nor a readable file")
                }
                if data.count == 32 { return [UInt8](data) }
                if let bytes = Hex.decode(String(String(decoding: data, as: UTF8.self).filter { !$0.isWhitespace })), bytes.count == 32 { return bytes }
                throw ConsentError(.invalidArgument, "--public-key: '\(text)' does not hold a 32-byte Ed25519 public key")
            }
        }
    }
}
