import FacegateCore
import FacegateTestSupport
import Fleet
import Foundation
import Testing
import Vault

/// Several doors, one membership: real `facegate run` daemons synced through a real
/// PostgreSQL hub (a cluster of each test's own, on a Unix socket), enrolling and
/// erasing through their admin sockets while the hub comes and goes.
@Suite(
    "Fleet of doors on a PostgreSQL hub", .serialized, .perTestLimit,
    .enabled(if: TestHub.missing == nil || TestHub.required, Comment(rawValue: TestHub.skipMessage)))
struct FleetEndToEndTests {
    /// One door: a state directory, a policy, and a daemon with no camera (decisions
    /// are asked with `identify` through its socket, which decides as the door does).
    final class Door: @unchecked Sendable {
        let fixture: ConsentFixture
        let facegate = FacegateProcess()
        var daemon: DaemonProcess?
        private var socket: RawAdminSocket?

        /// With `console`, the daemon serves the web console (for `/metrics`) on a port of its own.
        let console: Bool

        /// With `panel`, the door has an access panel ([osdp], on a device that is no
        /// serial line: the link stays down, credentials are issued all the same).
        init(maxOfflineMinutes: Double = 15, console: Bool = false, panel: Bool = false) throws {
            self.console = console
            fixture = try ConsentFixture { text in
                var edited = text.replacingOccurrences(of: "max_offline_minutes = 15", with: "max_offline_minutes = \(maxOfflineMinutes)")
                if panel { edited += "\n[osdp]\ndevice = \"/dev/null\"\nfacility = 42\n" }
                return console
                    ? ConsentFixture.fillingInController(edited)
                    : edited.replacingOccurrences(of: "listen = \"127.0.0.1:0\"", with: "listen = \"off\"")
            }
            if panel {
                let key = fixture.stateDirectory + "/keys/osdp-scbk"
                try "00112233445566778899aabbccddeeff\n".write(toFile: key, atomically: false, encoding: .utf8)
                chmod(key, 0o400)
            }
        }

        /// The CLI on this door (through its daemon's socket when one runs).
        func cli(_ arguments: [String]) throws -> FacegateProcess.Result {
            try facegate.run(arguments + ["--policy", fixture.policyPath, "--socket", fixture.socketPath])
        }

        func start() throws {
            daemon = try DaemonProcess(
                arguments: ["--source", "none", "--policy", fixture.policyPath, "--log-level", console ? "info" : "warning"],
                socketPath: fixture.socketPath)
            socket = nil
        }

        /// The value of a `/metrics` gauge (the console's, asked from loopback).
        func metric(_ name: String) throws -> Double? {
            let daemon = try #require(daemon)
            let reply = try ConsoleClient(base: try ConsoleDaemon.address(of: daemon)).request("GET", "/metrics")
            let line = reply.text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            return line.flatMap { Double($0.split(separator: " ").last ?? "") }
        }

        func stop() {
            socket = nil
            daemon?.stop()
            daemon = nil
        }

        /// A command through a kept connection to the daemon (cheap enough to poll). The
        /// daemon closes a connection left idle, so a kept one may be found closed: the
        /// request is sent again once on a new connection (these are reads).
        func request(_ command: String, _ arguments: [String: Any] = [:]) -> [String: Any]? {
            for _ in 0..<2 {
                if socket == nil { socket = RawAdminSocket(path: fixture.socketPath) }
                if let reply = socket?.request(["v": 1, "id": "t", "cmd": command, "args": arguments]) {
                    return reply["result"] as? [String: Any]
                }
                socket = nil
            }
            return nil
        }

        var subjects: [String] {
            ((request("subjects")?["subjects"] as? [[String: Any]]) ?? []).compactMap { $0["subject"] as? String }
        }

        var fleet: [String: Any] { (request("status")?["fleet"] as? [String: Any]) ?? [:] }

        func enrol(_ name: String, _ photos: [String]) throws -> String {
            let result = try cli(
                ["enrol", "--json", "--name", name, "--notice", "2026-01", "--purpose", "entry", "--method", "signed-form"]
                    + photos.map(TestResources.fixture))
            return try #require(result.jsonLines.first?["subject"] as? String, "\(result.stdout)\(result.stderr)")
        }

        /// The door's decision on a photo's face.
        func decision(_ photo: String) throws -> (decision: String, subject: String?) {
            let result = try cli(["identify", "--json", TestResources.fixture(photo)])
            let face = (result.jsonLines.first?["faces"] as? [[String: Any]])?.first
            return (face?["decision"] as? String ?? "none: \(result.stdout)\(result.stderr)", face?["subject"] as? String)
        }

        /// Waits up to `seconds` for `condition`; how long it took, or nil.
        func wait(seconds: Double = 10, _ condition: () -> Bool) -> Double? {
            let start = Date()
            while Date().timeIntervalSince(start) < seconds {
                if condition() { return Date().timeIntervalSince(start) }
                usleep(10_000)
            }
            return nil
        }

        var keyPath: String { fixture.stateDirectory + "/keys/fleet.key" }

        /// `doctor`'s fleet check on this door, if it made one.
        func doctorFleet() throws -> [String: String]? {
            let result = try facegate.run(["doctor", "--json", "--policy", fixture.policyPath, "--socket", fixture.socketPath])
            return (result.jsonLines.first?["checks"] as? [[String: String]])?.first { $0["name"] == "fleet" }
        }
    }

    /// A hub with a fleet made at `main`, and each other door joined to it (the fleet
    /// key copied by hand, as an admin would).
    static func fleet(_ hub: TestHub, main: Door, others: [(Door, String)]) throws {
        let made = try main.facegate.run([
            "fleet", "init", "--json", "--hub", hub.url, "--name", "main", "--policy", main.fixture.policyPath,
        ])
        #expect(made.status == 0, "\(made.stdout)\(made.stderr)")
        var token = try #require(made.jsonLines.first?["token"] as? String)
        for (door, name) in others {
            try copyKey(from: main, to: door)
            let joined = try door.cli(["fleet", "join", "--json", "--hub", hub.url, "--token", token, "--name", name])
            #expect(joined.status == 0, "\(joined.stdout)\(joined.stderr)")
            let next = try main.cli(["fleet", "token", "--json"])
            token = try #require(next.jsonLines.first?["token"] as? String, "\(next.stdout)\(next.stderr)")
        }
    }

    /// A hub with a fleet of two running doors, `main` and `side`.
    static func twoRunningDoors() throws -> (TestHub, Door, Door) {
        let hub = try TestHub()
        let main = try Door(), side = try Door()
        try fleet(hub, main: main, others: [(side, "side")])
        try main.start()
        try side.start()
        return (hub, main, side)
    }

    static func copyKey(from main: Door, to door: Door) throws {
        try FileManager.default.copyItem(atPath: main.keyPath, toPath: door.keyPath)
        chmod(door.keyPath, 0o400)
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded(.up)))]
    }

    @Test(
        "a member enrolled at one door is recognised at another, and erased there, is gone from the first: each within 2 s (p50/p99 measured)"
    )
    func propagation() throws {
        let (hub, main, side) = try Self.twoRunningDoors()
        var enrolments: [Double] = [], erasures: [Double] = []
        for round in 0..<10 {
            let subject = try main.enrol("Barack Obama", ["obama.jpg"])
            let reached = side.wait { side.subjects.contains(subject) }
            try #require(reached != nil, "round \(round): the enrolment never reached the side door; \(side.fleet)")
            enrolments.append(reached!)
            if round == 0 {
                let seen = try side.decision("obama2.jpg")
                #expect(seen.decision == "member" && seen.subject == subject, "\(seen)")
            }
            let erase = try side.cli(["erase", "--json", subject])
            #expect(erase.status == 0, "\(erase.stdout)\(erase.stderr)")
            let gone = main.wait { !main.subjects.contains(subject) }
            try #require(gone != nil, "round \(round): the erasure never reached the main door; \(main.fleet)")
            erasures.append(gone!)
            if round == 0 { #expect(try main.decision("obama2.jpg").decision == "unknown") }
        }
        print(
            "fleet propagation over 10 rounds: enrol p50 \(Self.percentile(enrolments, 0.5)) s, p99 \(Self.percentile(enrolments, 0.99)) s; erase p50 \(Self.percentile(erasures, 0.5)) s, p99 \(Self.percentile(erasures, 0.99)) s"
        )
        #expect(Self.percentile(enrolments, 0.99) < 2 && Self.percentile(erasures, 0.99) < 2)
        // The hub's erasure log holds every one; its membership holds nobody.
        #expect(try hub.psql("SELECT COUNT(*) FROM fleet_erasure") == "10")
        #expect(try hub.psql("SELECT COUNT(*) FROM fleet_subject") == "0")
        let status = try main.cli(["fleet", "status", "--json"])
        let doors = (status.jsonLines.first?["doors"] as? [[String: Any]]) ?? []
        #expect(Set(doors.compactMap { $0["door"] as? String }) == ["main", "side"], "\(status.stdout)\(status.stderr)")
        #expect(doors.allSatisfy { ($0["lag"] as? Int) == 0 }, "\(doors)")
    }

    @Test(
        "with the hub gone, a door decides until fleet.max_offline_minutes, then fails closed; an erasure and an enrolment made meanwhile reach the other door when the hub returns"
    )
    func partition() throws {
        let hub = try TestHub()
        let main = try Door(maxOfflineMinutes: 0.1), side = try Door(maxOfflineMinutes: 0.1)
        try Self.fleet(hub, main: main, others: [(side, "side")])
        try main.start()
        try side.start()
        let obama = try main.enrol("Barack Obama", ["obama.jpg"])
        #expect(side.wait { side.subjects.contains(obama) } != nil)
        try hub.stop()
        let partitioned = Date()
        // Still within max_offline (6 s): the side door decides as before.
        let early = try side.decision("obama2.jpg")
        #expect(early.decision == "member", "\(early)")
        // Erased at the main door meanwhile: the side door cannot know.
        #expect(try main.cli(["erase", obama]).status == 0)
        let biden = try side.enrol("Joe Biden", ["biden.jpg"])
        // Past max_offline: the side door stops deciding member, and says why.
        let held = side.wait(seconds: 15) { side.fleet["members_recognised"] as? Bool == false }
        #expect(held != nil && Date().timeIntervalSince(partitioned) >= 5.5, "\(side.fleet)")
        #expect((side.fleet["held_because"] as? String)?.contains("max_offline_minutes") == true, "\(side.fleet)")
        // The console's health page reads the same answer.
        #expect((side.request("health")?["fleet"] as? [String: Any])?["members_recognised"] as? Bool == false)
        #expect(side.subjects.contains(obama), "the erasure has not reached the side door yet")
        // doctor says the hub does not answer, as a warning: the door works alone, closed.
        let away = try side.doctorFleet()
        #expect(away?["level"] == "warn" && away?["detail"]?.contains("max_offline_minutes") == true, "\(String(describing: away))")
        #expect(try side.decision("obama2.jpg").decision == "unknown", "failed closed: the erased member is not let in")
        #expect(try side.decision("biden.jpg").decision == "unknown", "failed closed: nor anyone else")
        try hub.start()
        let healed = side.wait(seconds: 30) { !side.subjects.contains(obama) && main.subjects.contains(biden) }
        #expect(healed != nil, "side \(side.subjects) \(side.fleet); main \(main.subjects) \(main.fleet)")
        #expect(side.wait { side.fleet["members_recognised"] as? Bool == true } != nil, "\(side.fleet)")
        #expect(try main.decision("biden.jpg") == ("member", biden))
        #expect(try side.decision("obama2.jpg").decision == "unknown")
        let back = try side.doctorFleet()
        #expect(back?["level"] == "ok" && back?["detail"]?.contains("opens with this door's key") == true, "\(String(describing: back))")
    }

    @Test(
        "the same face enrolled at two doors leaves one subject: at once the hub keeps the first; offline, the second is refused on reconnect and fleet status says why"
    )
    func sameFaceAtTwoDoors() throws {
        let (hub, main, side) = try Self.twoRunningDoors()
        // At once, online.
        nonisolated(unsafe) var results: [FacegateProcess.Result?] = [nil, nil]
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let door = index == 0 ? main : side
            results[index] = try? door.cli(
                [
                    "enrol", "--json", "--name", "Barack Obama", "--notice", "2026-01", "--purpose", "entry", "--method", "signed-form",
                    TestResources.fixture(index == 0 ? "obama.jpg" : "obama2.jpg"),
                ])
        }
        #expect(results.contains { $0?.status == 0 })
        let settled = main.wait {
            let (a, b) = (main.subjects, side.subjects)
            return a.count == 1 && a == b
        }
        #expect(settled != nil, "main \(main.subjects), side \(side.subjects)")
        let kept = main.subjects.first
        try main.cli(["erase", kept ?? ""])
        #expect(side.wait { side.subjects.isEmpty } != nil)
        // Both offline: each enrols the face; on reconnect one subject is left.
        try hub.stop()
        let atMain = try main.enrol("Barack Obama", ["obama.jpg"])
        let atSide = try side.enrol("Barack Obama", ["obama2.jpg"])
        try hub.start()
        // Both doors reconnect (backoff up to 5 s; a sync that hangs ends after 15 s), then settle.
        let one = main.wait(seconds: 45) {
            let (a, b) = (main.subjects, side.subjects)
            return a.count == 1 && a == b
        }
        #expect(one != nil, "main \(main.subjects) \(main.fleet); side \(side.subjects) \(side.fleet)")
        print("fleet: after the hub restarted, the duplicate was settled in \(one.map { String(format: "%.1f s", $0) } ?? "never")")
        let survivor = try #require(main.subjects.first)
        #expect(survivor == atMain || survivor == atSide)
        let refused = survivor == atMain ? atSide : atMain
        let status = try main.cli(["fleet", "status", "--json"])
        let refusals = (status.jsonLines.first?["refused"] as? [[String: Any]]) ?? []
        #expect(
            refusals.contains { $0["subject"] as? String == refused && $0["duplicate_of"] as? String == survivor }, "\(status.stdout)")
        // The refusing door's audit log says it, with the reason.
        let door = survivor == atMain ? side : main
        let audit = try door.cli(["export", "audit"]).jsonLines
        #expect(
            audit.contains {
                $0["subject"] as? String == refused && ($0["details"] as? [String: Any])?["reason"] as? String == "duplicate"
            }, "\(audit.suffix(4))")
    }

    @Test(
        "an enrolment an admin confirmed as a different person (--different-from) is not refused by the hub as a duplicate of that member"
    )
    func confirmedDifferentAtTheHub() throws {
        let (hub, main, side) = try Self.twoRunningDoors()
        let first = try main.enrol("Barack Obama", ["obama.jpg"])
        #expect(side.wait { side.subjects == [first] } != nil, "\(side.fleet)")
        // The side door's own check takes the face for the member; the admin says otherwise.
        let refused = try side.cli([
            "enrol", "--json", "--name", "Not Obama", "--notice", "2026-01", "--purpose", "entry", "--method", "signed-form",
            TestResources.fixture("obama2.jpg"),
        ])
        #expect(refused.status != 0, "the door's own check: \(refused.stdout)")
        let confirmed = try side.cli([
            "enrol", "--json", "--name", "Not Obama", "--notice", "2026-01", "--purpose", "entry", "--method", "signed-form",
            "--different-from", first, TestResources.fixture("obama2.jpg"),
        ])
        let second = try #require(confirmed.jsonLines.first?["subject"] as? String, "\(confirmed.stdout)\(confirmed.stderr)")
        let both = main.wait(seconds: 15) { Set(main.subjects) == [first, second] && Set(side.subjects) == [first, second] }
        #expect(both != nil, "main \(main.subjects), side \(side.subjects) \(side.fleet)")
        #expect(try hub.psql("SELECT COUNT(*) FROM fleet_refusal") == "0")
    }

    @Test("photos added to a member at the door that enrolled them reach every door, and a door joining later")
    func addedPhotosReachEveryDoor() throws {
        let (hub, main, side) = try Self.twoRunningDoors()
        let obama = try main.enrol("Barack Obama", ["obama.jpg"])
        #expect(side.wait { side.subjects == [obama] } != nil, "\(side.fleet)")
        func templates(_ door: Door) -> Int? { try? door.cli(["status", "--json"]).jsonLines.first?["templates"] as? Int }
        #expect(templates(side) == 1)
        let added = try main.cli(["add-photos", "--subject", obama, TestResources.fixture("obama2.jpg")])
        #expect(added.status == 0, "\(added.stdout)\(added.stderr)")
        #expect(templates(main) == 2)
        #expect(side.wait(seconds: 15) { templates(side) == 2 } != nil, "\(side.fleet)")
        let audit = try side.cli(["export", "audit"]).jsonLines
        #expect(audit.contains { $0["action"] as? String == "subject.adopt_photos" && $0["subject"] as? String == obama })
        // A door joining now adopts the member with both templates.
        let late = try Door()
        try Self.copyKey(from: main, to: late)
        let token = try #require(try main.cli(["fleet", "token", "--json"]).jsonLines.first?["token"] as? String)
        #expect(try late.cli(["fleet", "join", "--hub", hub.url, "--token", token, "--name", "late"]).status == 0)
        try late.start()
        #expect(late.wait { templates(late) == 2 } != nil, "\(late.subjects) \(late.fleet)")
        #expect(side.fleet["rejected_rows"] as? Int == 0 && late.fleet["rejected_rows"] as? Int == 0, "\(side.fleet)")
    }

    @Test("every door sends the access panel the same credential for a member: the enrolling door's, which replaces one another door made")
    func onePanelCredentialPerMember() throws {
        let hub = try TestHub()
        let main = try Door(panel: true), side = try Door(panel: true)
        try Self.fleet(hub, main: main, others: [(side, "side")])
        try main.start()
        try side.start()
        func credential(_ door: Door) -> String? {
            try? door.cli(["card", "panel", "--json", obama]).jsonLines.first?["bits"] as? String
        }
        // A member enrolled before the door had a panel: the side door, asked first,
        // makes a credential of its own; the enrolling door's replaces it.
        main.stop()
        let plain = try String(contentsOfFile: main.fixture.policyPath, encoding: .utf8)
        try plain.replacingOccurrences(of: "[osdp]", with: "[nopanel]").components(separatedBy: "[nopanel]")[0].write(
            toFile: main.fixture.policyPath, atomically: true, encoding: .utf8)
        try main.start()
        let obama = try main.enrol("Barack Obama", ["obama.jpg"])
        #expect(side.wait { side.subjects == [obama] } != nil, "\(side.fleet)")
        let sideMade = try #require(credential(side))
        main.stop()
        try plain.write(toFile: main.fixture.policyPath, atomically: true, encoding: .utf8)
        try main.start()
        let mainMade = try #require(credential(main))
        #expect(side.wait(seconds: 20) { credential(side) == mainMade } != nil, "the side door took the enrolling door's: \(side.fleet)")
        // With panels at both doors, a member enrolled now has one credential from the start.
        let biden = try main.enrol("Joe Biden", ["biden.jpg"])
        #expect(side.wait { Set(side.subjects) == [obama, biden] } != nil, "\(side.fleet)")
        let bidenAtMain = try main.cli(["card", "panel", "--json", biden]).jsonLines.first?["bits"] as? String
        let bidenAtSide = try side.cli(["card", "panel", "--json", biden]).jsonLines.first?["bits"] as? String
        #expect(bidenAtMain != nil && bidenAtSide == bidenAtMain)
        let audit = try side.cli(["export", "audit"]).jsonLines
        #expect(
            audit.contains { $0["action"] as? String == "panel_credential.adopt" && $0["subject"] as? String == obama }
                || sideMade == mainMade)
        #expect(side.fleet["rejected_rows"] as? Int == 0, "\(side.fleet)")
    }

    @Test(
        "a hub that goes down and comes back again and again, at any moment of the doors' reconnecting: every door resumes syncing"
    )
    func hubRestartedAgainAndAgain() throws {
        let (hub, main, side) = try Self.twoRunningDoors()
        // Stops at random moments (seeded): while a door waits in its backoff, connects,
        // runs its first sync or starts listening.
        var generator = SplitMix64(seed: 0xF1EE7)
        for _ in 0..<8 {
            try hub.stop()
            usleep(UInt32(generator.next() % 1_500_000))
            try hub.start()
            usleep(UInt32(generator.next() % 2_500_000))
        }
        let obama = try main.enrol("Barack Obama", ["obama.jpg"])
        let biden = try side.enrol("Joe Biden", ["biden.jpg"])
        let synced = main.wait(seconds: 45) { Set(main.subjects) == [obama, biden] && Set(side.subjects) == [obama, biden] }
        #expect(synced != nil, "main \(main.subjects) \(main.fleet); side \(side.subjects) \(side.fleet)")
        print("fleet: after 8 hub restarts both doors synced again in \(synced.map { String(format: "%.1f s", $0) } ?? "never")")
    }

    @Test("a hub restored from an old backup loses again every erasure the doors' journals hold before a new door reads it")
    func restoredHub() throws {
        let (hub, main, side) = try Self.twoRunningDoors()
        let obama = try main.enrol("Barack Obama", ["obama.jpg"])
        let biden = try main.enrol("Joe Biden", ["biden.jpg"])
        #expect(side.wait { Set(side.subjects) == [obama, biden] } != nil)
        let backup = try hub.dump()
        #expect(try side.cli(["erase", obama]).status == 0)
        #expect(main.wait { !main.subjects.contains(obama) } != nil)
        // The hub is restored from the backup taken before the erasure.
        try hub.restore(backup)
        let cleaned = main.wait(seconds: 20) {
            (try? hub.psql("SELECT COUNT(*) FROM fleet_subject WHERE subject = '\(obama)'")) == "0"
                && (try? hub.psql("SELECT COUNT(*) FROM fleet_erasure WHERE subject = '\(obama)'")) == "1"
        }
        #expect(cleaned != nil, "the doors gave their erasures back to the restored hub")
        // A door joining now gets the member who stayed, never the erased one.
        let late = try Door()
        try Self.copyKey(from: main, to: late)
        let token = try #require(try main.cli(["fleet", "token", "--json"]).jsonLines.first?["token"] as? String)
        #expect(try late.cli(["fleet", "join", "--hub", hub.url, "--token", token, "--name", "late"]).status == 0)
        try late.start()
        #expect(late.wait { late.subjects == [biden] } != nil, "\(late.subjects) \(late.fleet)")
        usleep(1_500_000)
        #expect(late.subjects == [biden])
        #expect(Set(main.subjects) == [biden] && Set(side.subjects) == [biden])
    }

    @Test(
        "after an erasure the fleet moves to a new key epoch, and once backup_days have passed no door holds a key that opens the erased member's copy in a hub backup from before; a door joining later gets the current epoch through its token"
    )
    func fleetKeyEpochs() throws {
        let (hub, main, side) = try Self.twoRunningDoors()
        let obama = try main.enrol("Barack Obama", ["obama.jpg"])
        let biden = try main.enrol("Joe Biden", ["biden.jpg"])
        #expect(side.wait { Set(side.subjects) == [obama, biden] } != nil, "\(side.fleet)")
        #expect(try hub.psql("SELECT string_agg(DISTINCT epoch::text, ',') FROM fleet_copy_key") == "1")
        // A writer to the hub begins epoch 2 in the side door's name, claiming it came after
        // every erasure there will ever be: the doors move to it (the copies are re-wrapped),
        // and it must delay no erasure's deadline.
        _ = try hub.psql(
            """
            INSERT INTO fleet_epoch (epoch, after_seq, begun_by, begun_at)
            VALUES (2, 9000000000000000000, (SELECT door_id FROM fleet_door WHERE name = 'side'), 0)
            """)
        let forged = main.wait(seconds: 20) { (try? hub.psql("SELECT string_agg(DISTINCT epoch::text, ',') FROM fleet_copy_key")) == "2" }
        #expect(forged != nil, "\(main.fleet)")
        // The hub's backup, as an operator's nightly dump would hold it: the member's copy
        // and its key wrapped under epoch 2.
        let fleetID = try hub.psql("SELECT fleet_id FROM fleet_meta")
        let backedUp = try hub.psql("SELECT encode(wrapped, 'hex') FROM fleet_copy_key WHERE subject = '\(obama)'")
        let wrapped = try #require(Self.bytes(hex: backedUp), "\(backedUp)")
        func opens(at door: Door) throws -> Bool {
            let root = try #require(FileManager.default.contents(atPath: door.keyPath))
            let key = try #require(root.withUnsafeBytes { SecretKey(bytes: $0) })
            let keys = KeyDirectory(path: door.fixture.stateDirectory + "/keys")
            let epochs = try #require(try FleetEpochs.load(fleetID: fleetID, root: key, directory: keys), "no key epochs at the door")
            return epochs.unwrap(wrapped, epoch: 2, subject: obama) != nil
        }
        #expect(try opens(at: main) && opens(at: side), "the backup's copy key opens while epoch 2 is held")

        #expect(try side.cli(["erase", obama]).status == 0)
        let moved = main.wait(seconds: 20) {
            (try? hub.psql("SELECT MAX(epoch) FROM fleet_epoch")) == "3"
                && (try? hub.psql("SELECT epoch FROM fleet_copy_key WHERE subject = '\(biden)'")) == "3"
                && (try? hub.psql("SELECT COUNT(*) FROM fleet_copy_key WHERE subject = '\(obama)'")) == "0"
        }
        #expect(moved != nil, "the erasure began epoch 3 and the remaining copy was re-wrapped: \(main.fleet)")
        // Epochs 1 and 2 are due backup_days (30) after the erasure, not before, and the
        // hub lets no one move the deadline later.
        let deadline = Double(try hub.psql("SELECT destroy_after FROM fleet_epoch WHERE epoch = 2")) ?? 0
        #expect(abs(deadline - Date().timeIntervalSince1970 - 30 * 86400) < 600, "epoch 2 is due at \(deadline)")
        _ = try hub.psql("UPDATE fleet_epoch SET destroy_after = 1e18 WHERE epoch = 2")
        #expect(Double(try hub.psql("SELECT destroy_after FROM fleet_epoch WHERE epoch = 2")) == deadline)
        #expect(try opens(at: main) && opens(at: side), "before the deadline the doors keep epoch 2")

        // The deadline passes (the hub's record is moved to it, as time would).
        _ = try hub.psql("UPDATE fleet_epoch SET destroy_after = \(Date().timeIntervalSince1970 - 1) WHERE epoch <= 2")
        let destroyed = main.wait(seconds: 20) { ((try? opens(at: main)) == false) && ((try? opens(at: side)) == false) }
        #expect(destroyed != nil, "every door destroyed epoch 2: the backup's copy of the erased member opens nowhere")
        #expect(main.fleet["key_epoch"] as? Int == 3 && main.fleet["key_epochs_held"] as? [Int] == [3], "\(main.fleet)")
        let status = try main.cli(["fleet", "status", "--json"]).jsonLines.first ?? [:]
        #expect((status["key_epochs"] as? [[String: Any]])?.compactMap { $0["epoch"] as? Int } == [1, 2, 3], "\(status)")
        #expect(status["key_epochs_expire"] as? Bool == true)

        // A door joining now starts at epoch 3 from its token, and adopts the member who stayed.
        let late = try Door()
        try Self.copyKey(from: main, to: late)
        let token = try #require(try main.cli(["fleet", "token", "--json"]).jsonLines.first?["token"] as? String)
        #expect(try late.cli(["fleet", "join", "--hub", hub.url, "--token", token, "--name", "late"]).status == 0)
        #expect(try hub.psql("SELECT COUNT(*) FROM fleet_join_token WHERE sealed_epoch_key IS NOT NULL AND used_by IS NOT NULL") == "0")
        try late.start()
        #expect(late.wait { late.subjects == [biden] } != nil, "\(late.subjects) \(late.fleet)")
        #expect(try !opens(at: late))
        #expect(try late.decision("biden.jpg").decision == "member")
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count.isMultiple(of: 2), !digits.isEmpty else { return nil }
        return stride(from: 0, to: digits.count, by: 2).compactMap {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)
        }
    }

    @Test(
        "a hub made by an older version gets the newer tables from the first door that connects, which records the version; a current hub gets no DDL from doors"
    )
    func hubSchemaUpgrade() throws {
        let hub = try TestHub()
        let main = try Door()
        try Self.fleet(hub, main: main, others: [])
        // As a version-1 hub: no withdrawal table, version 1 recorded.
        try _ = hub.psql("DROP TABLE fleet_withdrawal")
        try _ = hub.psql("UPDATE fleet_meta SET schema_version = 1")
        try main.start()
        let upgraded = main.wait(seconds: 30) {
            (try? hub.psql("SELECT schema_version FROM fleet_meta")) == "4"
                && (try? hub.psql("SELECT to_regclass('fleet_withdrawal') IS NOT NULL")) == "t"
        }
        #expect(upgraded != nil, "\(main.fleet)")
        // A current hub: a table missing (as while an operator restores the hub, before
        // the dump's last statements) is not created by a door reconnecting; the door
        // retries, and syncs once the table is back.
        try _ = hub.psql("ALTER TABLE fleet_withdrawal RENAME TO fleet_withdrawal_restoring")
        try _ = hub.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'hub' AND pid <> pg_backend_pid()")
        let biden = try main.enrol("Joe Biden", ["biden.jpg"])
        let failing = main.wait(seconds: 15) { (main.fleet["last_error"] as? String)?.contains("fleet_withdrawal") == true }
        #expect(failing != nil, "the door should have reconnected and met the missing table: \(main.fleet)")
        #expect(try hub.psql("SELECT to_regclass('fleet_withdrawal') IS NULL") == "t")
        try _ = hub.psql("ALTER TABLE fleet_withdrawal_restoring RENAME TO fleet_withdrawal")
        #expect(main.wait(seconds: 30) { (try? hub.psql("SELECT COUNT(*) FROM fleet_subject WHERE subject = '\(biden)'")) == "1" } != nil)
        main.stop()
    }

    @Test("a dump of the hub holds no name, no personal field and no template in the clear")
    func hubDumpHoldsCiphertextOnly() throws {
        let hub = try TestHub()
        let main = try Door(), side = try Door()
        try Self.fleet(hub, main: main, others: [(side, "side")])
        try main.start()
        let enrolled = try main.cli([
            "enrol", "--json", "--name", "Barack Obama", "--field", "membership_number=RCC-0042-ZX", "--notice", "2026-01", "--purpose",
            "entry",
            "--method", "signed-form", TestResources.fixture("obama.jpg"),
        ])
        let subject = try #require(enrolled.jsonLines.first?["subject"] as? String, "\(enrolled.stdout)\(enrolled.stderr)")
        #expect(main.wait { (try? hub.psql("SELECT COUNT(*) FROM fleet_subject")) == "1" } != nil)
        // The door's audit chain (actors, actions) is on the hub too, sealed.
        #expect(main.wait(seconds: 30) { (Int((try? hub.psql("SELECT COUNT(*) FROM fleet_audit")) ?? "") ?? 0) > 1 } != nil)
        let dump = try hub.dump()
        #expect(dump.contains(subject), "the dump is of the hub that holds the subject")
        for clear in ["Barack", "Obama", "RCC-0042-ZX", "display_name", "membership", "templates", "signed-form", "\"action\"", "root"] {
            #expect(!dump.contains(clear), "'\(clear)' is in the hub's dump")
        }
        // The template: the descriptor `embed` computes for the same photo, as raw
        // float32 bytes (bytea is dumped as hex), as hex, and as decimals.
        let embedded = try main.facegate.run(["embed", "--json", TestResources.fixture("obama.jpg")])
        let values = try #require(
            ((embedded.jsonLines.first?["faces"] as? [[String: Any]])?.first?["embedding"] as? [Double]), "\(embedded.stdout.prefix(300))")
        let floats = values.prefix(4).map { Float($0) }
        let bytes = floats.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        #expect(!dump.lowercased().contains(hex), "the template's bytes are in the dump")
        #expect(!dump.contains(String(format: "%.6f", values[0])), "a template value is in the dump as a decimal")
        // The door's Art. 30 record names the hub, as a recipient of ciphertext only.
        let ropa = try main.cli(["export", "ropa", "--draft"])
        #expect(ropa.stdout.contains("the fleet's hub") && ropa.stdout.contains("ciphertext only"), "\(ropa.stdout.prefix(400))")
        main.stop()
    }

    @Test("a purpose withdrawn at one door is withdrawn at every door within 2 s; the member stays one, recognised everywhere")
    func partialWithdrawal() throws {
        let (hub, main, side) = try Self.twoRunningDoors()
        let enrolled = try main.cli([
            "enrol", "--json", "--name", "Barack Obama", "--notice", "2026-01", "--purpose", "entry", "--purpose", "attendance-analytics",
            "--method", "signed-form", TestResources.fixture("obama.jpg"),
        ])
        let subject = try #require(enrolled.jsonLines.first?["subject"] as? String, "\(enrolled.stdout)\(enrolled.stderr)")
        func purposes(at door: Door) -> [String] {
            let listed = (door.request("subjects")?["subjects"] as? [[String: Any]]) ?? []
            return (listed.first { $0["subject"] as? String == subject }?["purposes"] as? [String]) ?? []
        }
        #expect(side.wait { Set(purposes(at: side)) == ["entry", "attendance-analytics"] } != nil, "\(purposes(at: side))")
        let withdrawn = try side.cli(["consent", "withdraw", "--json", "--purpose", "attendance-analytics", subject])
        #expect(withdrawn.status == 0 && withdrawn.jsonLines.first?["erased"] as? Bool == false, "\(withdrawn.stdout)\(withdrawn.stderr)")
        let reached = main.wait { purposes(at: main) == ["entry"] }
        #expect(
            reached != nil && reached! < 2,
            "the withdrawal reached the main door after \(String(describing: reached)) s: \(purposes(at: main))")
        print("fleet: a partial withdrawal reached the other door in \(String(format: "%.2f", reached ?? -1)) s")
        #expect(try main.decision("obama2.jpg") == ("member", subject))
        #expect(main.fleet["withdrawn_from_hub"] as? Int == 1, "\(main.fleet)")
        // The hub holds the purpose's name against the pseudonym, nothing more; the main
        // door's consent log records it as a withdrawal, not a new consent.
        #expect(try hub.psql("SELECT subject || ' ' || purpose FROM fleet_withdrawal") == "\(subject) attendance-analytics")
        let log = try main.cli(["export", "consent-log"]).stdout
        #expect(log.contains("partial_withdrawal") || log.contains("withdraw"), "\(log.suffix(1500))")
        // A door that joins later adopts the narrowed consent.
        let late = try Door()
        try Self.copyKey(from: main, to: late)
        let token = try #require(try main.cli(["fleet", "token", "--json"]).jsonLines.first?["token"] as? String)
        #expect(try late.cli(["fleet", "join", "--json", "--hub", hub.url, "--token", token, "--name", "late"]).status == 0)
        try late.start()
        #expect(late.wait { purposes(at: late) == ["entry"] } != nil, "\(purposes(at: late))")
        // The DPO at any door answers for every member: the consent log and the Art. 15
        // answer at the door that joined last hold the member enrolled elsewhere.
        let lateLog = try late.cli(["export", "consent-log"])
        #expect(lateLog.status == 0 && lateLog.stdout.contains(subject), "\(lateLog.stderr)")
        let access = try late.cli(["export", "subject", subject])
        #expect(access.status == 0 && access.stdout.contains("Barack Obama"), "\(access.stdout.prefix(500))\(access.stderr)")
        #expect(
            access.stdout.contains("\"purposes\":[{\"id\":\"entry\"") && !access.stdout.contains("{\"id\":\"attendance-analytics\""),
            "the answer states the purposes in force after the withdrawal made at another door: \(access.stdout.prefix(1500))")
        late.stop()
        main.stop()
        side.stop()
    }

    @Test(
        "the DPO exports every door's audit chain from any door; it verifies offline door by door, and a row the hub altered stops the export"
    )
    func fleetAudit() throws {
        let (hub, main, side) = try Self.twoRunningDoors()
        let subject = try main.enrol("Barack Obama", ["obama.jpg"])
        #expect(side.wait { side.subjects.contains(subject) } != nil, "\(side.fleet)")
        #expect(try side.cli(["erase", "--json", subject]).status == 0)
        // Each door gives its growing chain at most every 10 s: wait for the enrolment at
        // the main door and the erasure at the side door to be in the export made at the side.
        var export = ""
        let complete = side.wait(seconds: 30) {
            guard let result = try? side.cli(["export", "audit", "--fleet"]), result.status == 0 else { return false }
            export = result.stdout
            let lines = export.split(separator: "\n").map(String.init)
            guard let sideStart = lines.firstIndex(where: { $0.contains("\"type\":\"door\"") && $0.contains("\"door\":\"side\"") }) else {
                return false
            }
            let mainPart = lines[..<sideStart], sidePart = lines[sideStart...]
            return mainPart.contains { $0.contains("\"action\":\"subject.enrol") && $0.contains(subject) }
                && sidePart.contains { $0.contains("\"action\":\"subject.erase") && $0.contains(subject) }
        }
        try #require(
            complete != nil,
            "the fleet's export never held both doors' entries:\n\(export.prefix(3000))\nside: \(side.daemon?.errorText.suffix(3000) ?? "")"
        )
        print("fleet audit: both doors' entries in the export made at the side door after \(String(format: "%.1f", complete!)) s")
        // Verified offline, as the DPO would, with nothing but the file.
        let file = side.fixture.directory.file("fleet-audit.jsonl")
        try export.write(toFile: file, atomically: true, encoding: .utf8)
        let verified = try side.facegate.run(["audit", "verify", "--json", file])
        let answer = verified.jsonLines.first ?? [:]
        let doors = ((answer["detail"] as? [String: Any])?["doors"] as? [[String: Any]]) ?? []
        #expect(verified.status == 0 && answer["kind"] as? String == "fleet-audit", "\(verified.stdout)\(verified.stderr)")
        #expect(doors.compactMap { $0["door"] as? String } == ["main", "side"], "\(doors)")
        #expect(doors.allSatisfy { ($0["entries"] as? Int ?? 0) > 0 }, "\(doors)")
        // The same file with one of the main door's entries changed fails, naming the door.
        let forged = export.replacingOccurrences(of: "\"action\":\"subject.enrol", with: "\"action\":\"subject.enroX")
        try forged.write(toFile: file, atomically: true, encoding: .utf8)
        let refused = try side.facegate.run(["audit", "verify", "--json", file])
        #expect(refused.status != 0 && refused.stdout.contains("door 'main'"), "\(refused.stdout)\(refused.stderr)")
        // A row altered on the hub does not open with the fleet key: the export is refused.
        try _ = hub.psql(
            "UPDATE fleet_audit SET sealed = overlay(sealed placing '\\x00'::bytea from 40 for 1) WHERE seq = 1 AND door_id = (SELECT door_id FROM fleet_door WHERE name = 'main')"
        )
        let stopped = try side.cli(["export", "audit", "--fleet"])
        #expect(stopped.status == 65, "\(stopped.status) \(stopped.stderr)")
        #expect(stopped.stderr.contains("door 'main'") && stopped.stderr.contains("does not open"), "\(stopped.stderr)")
        // A door outside any fleet says so.
        let alone = try Door()
        let outside = try alone.cli(["export", "audit", "--fleet"])
        #expect(outside.status == 78 && outside.stderr.contains("has not joined a fleet"), "\(outside.stderr)")
        // A hub that refuses the audit chain (its table gone) does not stop membership:
        // the door says so in its log and keeps syncing members.
        try _ = hub.psql("ALTER TABLE fleet_audit RENAME TO fleet_audit_gone")
        let biden = try main.enrol("Joe Biden", ["biden.jpg"])
        #expect(side.wait(seconds: 20) { side.subjects.contains(biden) } != nil, "\(side.fleet)")
        #expect(main.wait(seconds: 20) { main.daemon?.errorText.contains("refuses this door's audit chain") == true } != nil)
        #expect(main.fleet["members_recognised"] as? Bool == true, "\(main.fleet)")
        main.stop()
        side.stop()
    }

    @Test("joining with a wrong fleet key, a used token or a password in the address is refused with a clear error, and writes nothing")
    func refusedJoins() throws {
        let hub = try TestHub()
        let main = try Door(), side = try Door()
        let made = try main.facegate.run([
            "fleet", "init", "--json", "--hub", hub.url, "--name", "main", "--policy", main.fixture.policyPath,
        ])
        let token = try #require(made.jsonLines.first?["token"] as? String, "\(made.stdout)\(made.stderr)")
        let fleetFile = side.fixture.stateDirectory + "/fleet.json"
        // No key.
        let noKey = try side.cli(["fleet", "join", "--hub", hub.url, "--token", token])
        #expect(noKey.status == 78 && noKey.stderr.contains("fleet.key"), "\(noKey.status) \(noKey.stderr)")
        // Another fleet's key.
        FileManager.default.createFile(atPath: side.keyPath, contents: Data((0..<32).map { _ in UInt8.random(in: 0...255) }))
        chmod(side.keyPath, 0o400)
        let wrongKey = try side.cli(["fleet", "join", "--hub", hub.url, "--token", token])
        #expect(wrongKey.status == 78 && wrongKey.stderr.contains("fleet key"), "\(wrongKey.status) \(wrongKey.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fleetFile))
        try FileManager.default.removeItem(atPath: side.keyPath)
        try Self.copyKey(from: main, to: side)
        // A password in the address is refused before anything is sent.
        let inline = try side.cli(["fleet", "join", "--hub", "postgresql://facegate:s3cret@localhost/hub", "--token", token])
        #expect(
            inline.status == 64 && inline.stderr.contains("facegate-hub-password") && !inline.stderr.contains("s3cret"), "\(inline.stderr)")
        // The token works once.
        #expect(try side.cli(["fleet", "join", "--hub", hub.url, "--token", token, "--name", "side"]).status == 0)
        let third = try Door()
        try Self.copyKey(from: main, to: third)
        let reused = try third.cli(["fleet", "join", "--hub", hub.url, "--token", token, "--name", "third"])
        #expect(reused.status == 77 && reused.stderr.contains("fleet token"), "\(reused.status) \(reused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: third.fixture.stateDirectory + "/fleet.json"))
        // doctor on a joined door whose key was since replaced: a failure naming the key.
        try FileManager.default.removeItem(atPath: side.keyPath)
        FileManager.default.createFile(atPath: side.keyPath, contents: Data((0..<32).map { _ in UInt8.random(in: 0...255) }))
        chmod(side.keyPath, 0o400)
        let wrong = try side.doctorFleet()
        #expect(wrong?["level"] == "fail" && wrong?["detail"]?.contains("fleet key") == true, "\(String(describing: wrong))")
        #expect(try third.doctorFleet() == nil, "a door outside any fleet has no fleet check")
        // A hub that is not there: exit 69, naming it.
        try hub.stop()
        let down = try main.cli(["fleet", "status"])
        #expect(down.status == 69 && down.stderr.contains(hub.directory), "\(down.status) \(down.stderr)")
    }
}
