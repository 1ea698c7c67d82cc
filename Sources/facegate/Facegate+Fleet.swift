import ArgumentParser
import FacegateCore
import Fleet
import Vault

#if canImport(Glibc)
    import Glibc
#endif

extension Facegate {
    /// Several doors, one membership: the fleet's hub on PostgreSQL.
    struct FleetCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fleet",
            abstract: "Join this door to a fleet of doors that share one membership through a PostgreSQL hub.",
            discussion: """
                The hub holds only ciphertext: subjects' copies are sealed with the fleet key, \
                which stays on the doors (keys/fleet.key, or the systemd credential facegate-fleet-key). \
                Stop the daemon first: these commands write the door's fleet.json.
                """,
            subcommands: [Initialize.self, Join.self, Token.self, Status.self])

        /// The options every fleet command shares.
        struct Common: ParsableArguments {
            @OptionGroup var state: StateOptions
            @Flag(help: "Print the result as JSON.")
            var json = false
        }

        struct Initialize: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "init",
                abstract: "Create a fleet on an empty hub, with this door as its first door; prints a join token for the next.")

            @OptionGroup var common: Common
            @Option(help: ArgumentHelp("The hub: postgresql://USER@HOST[:PORT]/DATABASE, or postgresql://USER@/DATABASE?host=/SOCKET/DIR."))
            var hub: String
            @Option(help: ArgumentHelp("This door's name in the fleet (default: the host name)."))
            var name: String?

            func run() async throws {
                try await runReportingErrors(json: common.json) {
                    let location = common.state.location
                    let lock = try StateDirectoryLock(location: location, holder: .command, purpose: "join a fleet")
                    defer { _ = lock }
                    let joined = try await FleetAdministration.initialize(
                        hub: hub, doorName: name ?? FleetCommand.hostName(), location: location, environment: ProcessEnvironment.current,
                        now: Timestamp.now())
                    FleetCommand.report(joined, location: location, json: common.json)
                }
            }
        }

        struct Join: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Join this door to the hub's fleet with a one-time token (the fleet key must be copied here first).")

            @OptionGroup var common: Common
            @Option(help: ArgumentHelp("The hub, as given to `fleet init`."))
            var hub: String
            @Option(help: ArgumentHelp("A join token from `fleet init` or `fleet token` (read from standard input when '-')."))
            var token: String
            @Option(help: ArgumentHelp("This door's name in the fleet (default: the host name)."))
            var name: String?

            func run() async throws {
                try await runReportingErrors(json: common.json) {
                    let location = common.state.location
                    let lock = try StateDirectoryLock(location: location, holder: .command, purpose: "join a fleet")
                    defer { _ = lock }
                    let given = token == "-" ? (readLine(strippingNewline: true) ?? "") : token
                    let joined = try await FleetAdministration.join(
                        hub: hub, token: given, doorName: name ?? FleetCommand.hostName(), location: location,
                        environment: ProcessEnvironment.current, now: Timestamp.now())
                    FleetCommand.report(joined, location: location, json: common.json)
                }
            }
        }

        struct Token: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Make a one-time token for another door to join this door's fleet (valid 24 hours).")

            @OptionGroup var common: Common

            func run() async throws {
                try await runReportingErrors(json: common.json) {
                    let token = try await FleetAdministration.issueToken(
                        location: common.state.location, environment: ProcessEnvironment.current, now: Timestamp.now())
                    if common.json {
                        CommandOutput.json(["token": .string(token), "valid_hours": .int(Int(FleetAdministration.tokenValidity / 3600))])
                    } else {
                        CommandOutput.line(token)
                    }
                }
            }
        }

        struct Status: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Every door of the fleet: its last sync and lag; the hub's counts and the enrolments it refused.")

            @OptionGroup var common: Common

            func run() async throws {
                try await runReportingErrors(json: common.json) {
                    let now = Timestamp.now()
                    let status = try await FleetAdministration.status(
                        location: common.state.location, environment: ProcessEnvironment.current, now: now)
                    if common.json {
                        CommandOutput.json(status)
                        return
                    }
                    CommandOutput.line(
                        "fleet \(status["fleet"]?.stringValue ?? "") on \(status["hub"]?.stringValue ?? ""): \(status["subjects"]?.intValue ?? 0) subject(s), \(status["erasures"]?.intValue ?? 0) erasure(s)"
                    )
                    for door in status["doors"]?.arrayValue ?? [] {
                        let since = door["seconds_since_sync"]?.doubleValue.map { "\($0) s ago" } ?? "never"
                        CommandOutput.line(
                            "  \(door["door"]?.stringValue ?? ""): last sync \(since), \(door["lag"]?.intValue ?? 0) change(s) behind")
                    }
                    for refusal in status["refused"]?.arrayValue ?? [] {
                        CommandOutput.line(
                            "  refused at \(refusal["door"]?.stringValue ?? ""): subject \(refusal["subject"]?.stringValue ?? "") is already member \(refusal["duplicate_of"]?.stringValue ?? "")"
                        )
                    }
                }
            }
        }

        static func hostName() -> String {
            var buffer = [CChar](repeating: 0, count: 256)
            guard gethostname(&buffer, buffer.count) == 0 else { return "door" }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }

        static func report(_ joined: FleetAdministration.Joined, location: VaultLocation, json: Bool) {
            let membership = joined.membership
            if json {
                CommandOutput.json([
                    "fleet": .string(membership.fleetID), "door": .string(membership.doorName), "hub": .string(membership.hub),
                    "token": .string(joined.token), "fleet_key_created": .bool(joined.keyCreated),
                    "fleet_key": .string(location.keys.fleetKeyPath),
                ])
                return
            }
            CommandOutput.line("door '\(membership.doorName)' is in fleet \(membership.fleetID); restart the daemon to start syncing")
            if joined.keyCreated {
                CommandOutput.line(
                    "created the fleet key \(location.keys.fleetKeyPath): copy it to every door of the fleet (keys/fleet.key, mode 0400), never to the hub"
                )
            }
            if let token = joined.token {
                CommandOutput.line("join token for the next door (valid 24 hours, once): \(token)")
            }
        }
    }
}
