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
                Every row a door gives the hub is signed by that door; each door connects as a hub \
                role of its own (fleet role). Stop the daemon first: these commands write the door's fleet.json.
                """,
            subcommands: [Initialize.self, Join.self, Token.self, Role.self, Status.self])

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

        struct Role: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Give a door a hub role of its own, with the least rights (run with the hub owner's address, or print the SQL).",
                discussion: """
                    With --hub (the address of the role that owns the fleet's tables and may create roles), \
                    creates the role facegate_door_NAME in the doors' group and binds it to the door NAME if it \
                    has joined; on the door NAME itself, its fleet.json then connects as that role. Without --hub, \
                    prints the SQL for the hub's administrator. A door that joins with the role's address binds it itself.
                    """)

            @OptionGroup var common: Common
            @Argument(help: ArgumentHelp("The door's name in the fleet."))
            var door: String
            @Option(help: ArgumentHelp("The hub, as its owner: postgresql://OWNER@HOST[:PORT]/DATABASE (without it, the SQL is printed)."))
            var hub: String?

            func run() async throws {
                try await runReportingErrors(json: common.json) {
                    let location = common.state.location
                    let lock = try hub.map { _ in
                        try StateDirectoryLock(location: location, holder: .command, purpose: "change the door's hub role")
                    }
                    defer { _ = lock }
                    let made = try await FleetAdministration.doorRole(
                        door: door, hub: hub, location: location, environment: ProcessEnvironment.current)
                    if common.json {
                        CommandOutput.json([
                            "door": .string(made.door), "role": .string(made.role), "url": .string(made.url),
                            "applied": .bool(made.applied),
                            "switched_this_door": .bool(made.switchedThisDoor), "sql": .array(made.statements.map { .string($0) }),
                        ])
                        return
                    }
                    if made.applied {
                        CommandOutput.line("hub role \(made.role) made for door '\(made.door)' (bound to it if it has joined)")
                    } else {
                        CommandOutput.line("as the hub's owner (psql), run:")
                        made.statements.forEach { CommandOutput.line("  " + $0) }
                    }
                    if made.switchedThisDoor {
                        CommandOutput.line("this door now connects as \(made.role); restart the daemon")
                    } else if let url = made.url {
                        CommandOutput.line("the door connects with: \(url) (fleet join --hub, or its fleet.json)")
                    }
                    CommandOutput.line(
                        "if the hub asks for a password: ALTER ROLE \(made.role) PASSWORD '…' as the owner, and load it on that door as the systemd credential facegate-hub-password"
                    )
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
                    for door in status["doors"]?.arrayValue ?? [] where door["role"] == .null {
                        CommandOutput.line(
                            "  \(door["door"]?.stringValue ?? ""): connects as the hub's owner; give it a role of its own: facegate fleet role \(door["door"]?.stringValue ?? "") --hub OWNER-ADDRESS"
                        )
                    }
                    for rejection in status["rejected"]?.arrayValue ?? [] {
                        CommandOutput.line(
                            "  BREACH: \(rejection["door"]?.stringValue ?? "") refused \(rejection["kind"]?.stringValue ?? "") \(rejection["sequence"]?.intValue ?? 0) of subject \(rejection["subject"]?.stringValue ?? "") said to come from \(rejection["origin_door"]?.stringValue ?? "") (\(rejection["problem"]?.stringValue ?? "")); not applied"
                        )
                    }
                    for unsigned in status["unsigned"]?.arrayValue ?? [] {
                        CommandOutput.line(
                            "  \(unsigned["rows"]?.intValue ?? 0) row(s) from \(unsigned["origin_door"]?.stringValue ?? "") predate signing and wait for a door that holds them to sign them"
                        )
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
                CommandOutput.line(
                    "give each door (this one too) a hub role of its own: facegate fleet role NAME --hub \(membership.hub)")
            }
        }
    }
}
