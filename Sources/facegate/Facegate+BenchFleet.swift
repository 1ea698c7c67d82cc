import ArgumentParser
import Consent
import Edge
import FacegateCore
import FacegateTools
import Fleet
import FoundationEssentials
import Logging
import Vault

extension Facegate.Bench {
    /// A fleet at scale, against a real hub.
    struct FleetScale: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fleet",
            abstract: "Time a fleet on a PostgreSQL hub: seeding it, doors joining, and propagation of enrolments and erasures.",
            discussion: """
                A seed door enrols --subjects synthetic people and pushes them to the hub (which must \
                hold no fleet yet); then --doors doors join at once, each with a state directory, \
                SQLite vault and hub connection of its own (in this process), and the time each takes \
                to hold every subject is measured; then --rounds times a person enrolled at the seed \
                door is timed until every door holds them, and erased at a door until none does. \
                scripts/bench-fleet.sh runs it on a PostgreSQL cluster of its own and adds the hub's \
                CPU time and database size.
                """)

        @Option(help: "The hub (an empty database).")
        var hub: String

        @Option(help: "Subjects the seed door enrols.")
        var subjects: Int = 100_000

        @Option(help: "Doors that join.")
        var doors: Int = 20

        @Option(help: "Propagation rounds.")
        var rounds: Int = 20

        @Flag(
            help: ArgumentHelp(
                "Run each joining door as a `facegate run` process of its own (no camera), watched through its admin socket, instead of in this process."
            ))
        var processes = false

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            try await runReportingErrors(json: json) {
                let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
                let seed = try BenchAppliance()
                var appliances = [seed]
                defer { appliances.forEach { $0.remove() } }
                let seedRegistry = try seed.open(logger: logger)
                try seed.enrolSynthetic(subjects, into: seedRegistry, seed: 11)
                _ = try await FleetAdministration.initialize(
                    hub: hub, doorName: "seed", location: seed.location, environment: [:], now: Timestamp.now())
                var syncs: [FleetSync] = []
                var tasks: [Task<Void, any Error>] = []
                func start(_ appliance: BenchAppliance, _ registry: ConsentRegistry) throws -> FleetSync {
                    let membership = try FleetMembership.load(from: appliance.location)!
                    let sync = try FleetSync(
                        membership: membership, key: try FleetAdministration.fleetKey(location: appliance.location, environment: [:]),
                        registry: registry, environment: [:], logger: logger)
                    tasks.append(Task { try await sync.run() })
                    return sync
                }
                defer { tasks.forEach { $0.cancel() } }
                var clock = ContinuousClock.now
                syncs.append(try start(seed, seedRegistry))
                try await Self.until(seconds: 3600) { syncs[0].report.pushed >= subjects }
                let seeding = (ContinuousClock.now - clock).milliseconds / 1000

                // The doors join at once.
                var registries: [ConsentRegistry] = []
                for index in 0..<doors {
                    let door = try BenchAppliance()
                    appliances.append(door)
                    try FileManager.default.copyItem(atPath: seed.location.keys.fleetKeyPath, toPath: door.location.keys.fleetKeyPath)
                    let token = try await FleetAdministration.issueToken(location: seed.location, environment: [:], now: Timestamp.now())
                    _ = try await FleetAdministration.join(
                        hub: hub, token: token, doorName: "door-\(index)", location: door.location, environment: [:], now: Timestamp.now())
                    if !processes { registries.append(try door.open(logger: logger)) }
                }
                if processes {
                    let doorAppliances = Array(appliances.dropFirst())
                    let result = try await Self.measureProcesses(
                        doorAppliances, seed: seedRegistry, subjects: subjects, rounds: rounds, seeding: seeding)
                    tasks.forEach { $0.cancel() }
                    for task in tasks { _ = try? await task.value }
                    seedRegistry.close()
                    var reported = result
                    reported["refused"] = .int(syncs.map(\.report.refused).reduce(0, +))
                    report(reported)
                    return
                }
                clock = ContinuousClock.now
                var joined = [Double?](repeating: nil, count: doors)
                for (index, registry) in registries.enumerated() { syncs.append(try start(appliances[index + 1], registry)) }
                try await Self.until(seconds: 7200) {
                    for (index, registry) in registries.enumerated()
                    where joined[index] == nil && registry.vault.gallery.subjectCount >= subjects {
                        joined[index] = (ContinuousClock.now - clock).milliseconds / 1000
                    }
                    return joined.allSatisfy { $0 != nil }
                }
                let joins = joined.compactMap { $0 }

                // Propagation: enrolled at the seed door, erased at a door.
                var generator = SplitMix64(seed: 99)
                var enrolments: [Double] = [], erasures: [Double] = []
                let everyone = [seedRegistry] + registries
                for round in 0..<rounds {
                    var start = ContinuousClock.now
                    let subject = try Self.enrolRound(round, at: seedRegistry, &generator)
                    try await Self.until(seconds: 60) { registries.allSatisfy { $0.vault.gallery.contains(subject.id) } }
                    enrolments.append((ContinuousClock.now - start).milliseconds)
                    start = ContinuousClock.now
                    try registries[round % registries.count].erase(subject.id, reason: .request, actor: .system)
                    try await Self.until(seconds: 60) { everyone.allSatisfy { !$0.vault.gallery.contains(subject.id) } }
                    erasures.append((ContinuousClock.now - start).milliseconds)
                }
                tasks.forEach { $0.cancel() }
                for task in tasks { _ = try? await task.value }
                everyone.forEach { $0.close() }
                let result: JSONObject = [
                    "subjects": .int(subjects), "doors": .int(doors), "rounds": .int(rounds),
                    "seed_push_seconds": .double(seeding),
                    "join_seconds": Statistics(joins).map(\.json) ?? .null,
                    "join_all_seconds": .double(joins.max() ?? 0),
                    "enrol_to_every_door_ms": Statistics(enrolments).map(\.json) ?? .null,
                    "erase_to_every_door_ms": Statistics(erasures).map(\.json) ?? .null,
                    "refused": .int(syncs.map(\.report.refused).reduce(0, +)),
                ]
                report(result)
            }
        }

        private func report(_ result: JSONObject) {
            if json {
                CommandOutput.json(["fleet": .object(result)])
            } else {
                CommandOutput.line(JSONValue.object(result).serialized)
            }
        }

        /// Joining and propagation with a `facegate run` process per door: joined when
        /// a door's gallery holds every subject; an enrolment at the seed door (this
        /// process) reached when every door holds one more, an erasure through a door's
        /// socket when every door holds one fewer and the seed none.
        private static func measureProcesses(
            _ doors: [BenchAppliance], seed: ConsentRegistry, subjects: Int, rounds: Int, seeding: Double
        ) async throws -> JSONObject {
            let start = ContinuousClock.now
            let running = try doors.map { try BenchDoorProcess(stateDirectory: $0.path) }
            defer { running.forEach { $0.stop() } }
            var joined = [Double?](repeating: nil, count: doors.count)
            try await until(seconds: 7200, every: 200) {
                for door in running { try door.checkRunning() }
                for (index, door) in running.enumerated() where joined[index] == nil && (door.subjects ?? 0) >= subjects {
                    joined[index] = (ContinuousClock.now - start).milliseconds / 1000
                }
                return joined.allSatisfy { $0 != nil }
            }
            let joins = joined.compactMap { $0 }
            var generator = SplitMix64(seed: 99)
            var enrolments: [Double] = [], erasures: [Double] = []
            for round in 0..<rounds {
                var clock = ContinuousClock.now
                let subject = try enrolRound(round, at: seed, &generator)
                try await untilEvery(running) { $0.subjects == subjects + 1 }
                enrolments.append((ContinuousClock.now - clock).milliseconds)
                clock = ContinuousClock.now
                _ = running[round % running.count].ask(.erase(subject.id))
                try await untilEvery(running) { $0.subjects == subjects }
                try await until(seconds: 60) { !seed.vault.gallery.contains(subject.id) }
                erasures.append((ContinuousClock.now - clock).milliseconds)
            }
            let resident = running.compactMap(\.residentKilobytes)
            return [
                "subjects": .int(subjects), "doors": .int(doors.count), "rounds": .int(rounds), "door_processes": true,
                "seed_push_seconds": .double(seeding),
                "join_seconds": Statistics(joins).map(\.json) ?? .null,
                "join_all_seconds": .double(joins.max() ?? 0),
                "enrol_to_every_door_ms": Statistics(enrolments).map(\.json) ?? .null,
                "erase_to_every_door_ms": Statistics(erasures).map(\.json) ?? .null,
                "door_resident_mb_max": .int((resident.max() ?? 0) / 1024),
            ]
        }

        /// The synthetic person a propagation round enrols at the seed door.
        private static func enrolRound(_ round: Int, at seed: ConsentRegistry, _ generator: inout SplitMix64) throws -> EnrolledSubject {
            let request = EnrolmentRequest(
                displayName: "round \(round)", noticeVersion: "bench", purposes: ["entry"], method: "signed-form")
            let descriptor = FaceDescriptor((0..<FaceDescriptor.dimensions).map { _ in generator.nextDescriptorComponent() })
            return try seed.enrol(request, embeddings: [descriptor], by: .system).0
        }

        /// Until `condition` holds for every door, each door asked until it holds and
        /// then no more: asking all twenty every few milliseconds would load the very
        /// doors being timed.
        private static func untilEvery(_ doors: [BenchDoorProcess], _ condition: (BenchDoorProcess) -> Bool) async throws {
            var pending = doors
            try await until(seconds: 60) {
                pending.removeAll(where: condition)
                return pending.isEmpty
            }
        }

        private static func until(seconds: Double, every milliseconds: Int = 5, _ condition: () throws -> Bool) async throws {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while try !condition() {
                guard ContinuousClock.now < deadline else { throw BenchFleetTimeout() }
                try await Task.sleep(for: .milliseconds(milliseconds))
            }
        }
    }
}

/// A benchmark step that never finished.
struct BenchFleetTimeout: Error, UserFacingError {
    var errorCode: String { "timeout" }
    var message: String { "the fleet did not converge in time; see `facegate fleet status`" }
    var exitStatus: ExitStatus { .unavailable }
}
