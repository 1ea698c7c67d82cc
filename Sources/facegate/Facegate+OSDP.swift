import ArgumentParser
import Consent
import Edge
import FacegateCore
import Logging
import PanelLink
import Vault

#if canImport(Glibc)
    import Glibc
#endif

extension Facegate {
    /// The link to the venue's access panel.
    struct OSDP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "osdp", abstract: "The door's OSDP link to the venue's access panel.", subcommands: [Install.self])

        struct Install: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Let the access panel set this reader's OSDP key, once (install mode), and keep it in keys/osdp-scbk.",
                discussion: """
                    Stop the door first (systemctl stop facegate): the serial line is the daemon's. Then put \
                    the panel in its install (key provisioning) mode for this reader's address: it opens a \
                    Secure Channel with OSDP's published install key and sends the reader its own key, which \
                    is written to keys/osdp-scbk (mode 0400) and audited (osdp.install, without the key). A key \
                    already there is never replaced: move it away first, deliberately. Install mode lasts only \
                    while this command runs.
                    """)
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @Flag(help: "Print the result as JSON.") var json = false
            @Option(help: "How long to wait for the panel, in seconds (10-600).") var seconds: Int = 120

            func run() async throws {
                try await runReportingErrors(json: json) {
                    guard (10...600).contains(seconds) else {
                        throw CommandError(.invalidArgument, "--seconds must be between 10 and 600 (got \(seconds))")
                    }
                    let policy = try state.loadPolicy()
                    guard let osdp = policy.osdp else {
                        throw CommandError(
                            .invalidArgument, "the policy has no [osdp] section: set the panel's device, address, format and facility first"
                        )
                    }
                    let location = state.location(policy: policy)
                    let lock = try StateDirectoryLock(location: location, holder: .command, purpose: "let the panel set the OSDP key")
                    defer { _ = lock }
                    guard access(location.keys.osdpKeyPath, F_OK) != 0 else {
                        throw CommandError(
                            .invalidArgument,
                            "'\(location.keys.osdpKeyPath)' already holds an OSDP key; if the panel's key was changed, move that file away first, deliberately"
                        )
                    }
                    let registry = try ConsentRegistry.open(
                        policy: policy, location: location, lock: lock, environment: ProcessEnvironment.current,
                        logger: Logger(label: "facegate.osdp"), loadGallery: false)
                    defer { registry.close() }
                    let reader = try OSDPReader(installingOn: osdp.device, baud: osdp.baud, address: osdp.address, serialNumber: 0)
                    StandardStreams.writeError(
                        "waiting for the panel on \(osdp.device) (address \(osdp.address)): put it in install mode for this reader\n")
                    let deadline = Timestamp.now() + Double(seconds)
                    var key: SecretBytes?
                    while key == nil, Timestamp.now() < deadline {
                        reader.refresh()
                        key = reader.takeKey()
                        usleep(5_000)
                    }
                    guard let key else {
                        throw CommandError(
                            .notFound,
                            "no key came from the panel within \(seconds) s: check that it polls address \(osdp.address) on \(osdp.device) and is in install mode for this reader"
                        )
                    }
                    try location.keys.writeOSDPKey(key)
                    try registry.recordAudit(
                        actor: OSUser.current(), action: "osdp.install",
                        details: ["device": .string(osdp.device), "address": .int(osdp.address)])
                    // The panel then opens a Secure Channel with the new key: proof both hold it.
                    let settled = Timestamp.now() + 15
                    var secure = false
                    while !secure, Timestamp.now() < settled {
                        reader.refresh()
                        secure = reader.status.secure
                        usleep(5_000)
                    }
                    let result: JSONValue = ["key_file": .string(location.keys.osdpKeyPath), "secure_channel": .bool(secure)]
                    if json {
                        CommandOutput.json(result)
                    } else {
                        CommandOutput.line(
                            "the panel set this reader's key; kept in \(location.keys.osdpKeyPath)"
                                + (secure
                                    ? "; the Secure Channel is up with it" : "; the panel has not opened a Secure Channel with it yet"))
                    }
                }
            }
        }
    }
}
