import FacegateCore
import FacegateTestSupport
import Foundation
import Testing

/// The fleet's hub as an attacker sees it: someone who can write to the hub's database
/// but has no fleet key (a stolen hub password, a careless DBA, a compromised database
/// host). Forged and replayed rows must not change any door, and each must be a
/// breach event that `fleet status` and `/metrics` show; a door's own role must not
/// reach another door's rows; and a hub that stops answering must not look connected.
@Suite(
    "Fleet hub security: signed rows, door roles, partitions", .serialized, .perTestLimit,
    .enabled(if: TestHub.missing == nil || TestHub.required, Comment(rawValue: TestHub.skipMessage)))
struct FleetHubSecurityEndToEndTests {
    typealias Door = FleetEndToEndTests.Door

    /// Two doors with their consoles, joined to a fresh hub and running.
    static func twoDoors(_ hub: TestHub) throws -> (main: Door, side: Door) {
        let main = try Door(console: true), side = try Door(console: true)
        try FleetEndToEndTests.fleet(hub, main: main, others: [(side, "side")])
        try main.start()
        try side.start()
        return (main, side)
    }

    static func enrol(_ door: Door, _ name: String, _ photo: String) throws -> String {
        let enrolled = try door.cli([
            "enrol", "--json", "--name", name, "--notice", "2026-01", "--purpose", "entry", "--purpose", "attendance-analytics",
            "--method", "signed-form", TestResources.fixture(photo),
        ])
        return try #require(enrolled.jsonLines.first?["subject"] as? String, "\(enrolled.stdout)\(enrolled.stderr)")
    }

    static func purposes(of subject: String, at door: Door) -> [String] {
        let listed = (door.request("subjects")?["subjects"] as? [[String: Any]]) ?? []
        return (listed.first { $0["subject"] as? String == subject }?["purposes"] as? [String]) ?? []
    }

    static func doorID(_ hub: TestHub, _ name: String) throws -> String {
        try hub.psql("SELECT door_id FROM fleet_door WHERE name = '\(name)'")
    }

    /// The door's `breach.detected` entries for rows of the hub, from its audit export.
    static func fleetBreaches(_ door: Door) throws -> [[String: Any]] {
        try door.cli(["export", "audit"]).jsonLines.filter {
            $0["action"] as? String == "breach.detected" && ($0["details"] as? [String: Any])?["check"] as? String == "fleet_row"
        }
    }

    /// The rows `fleet status` says the doors refused.
    static func refusedRows(_ door: Door) throws -> [[String: Any]] {
        let status = try door.cli(["fleet", "status", "--json"])
        return (status.jsonLines.first?["rejected"] as? [[String: Any]]) ?? []
    }

    static func rejected(_ door: Door) -> Int { door.fleet["rejected_rows"] as? Int ?? 0 }

    @Test("a forged erasure on the hub (one INSERT, without the fleet key) erases no one at any door; each door records a breach")
    func forgedErasure() throws {
        let hub = try TestHub()
        let (main, side) = try Self.twoDoors(hub)
        let obama = try Self.enrol(main, "Barack Obama", "obama.jpg")
        #expect(side.wait { side.subjects.contains(obama) } != nil, "\(side.fleet)")
        let mainID = try Self.doorID(hub, "main")
        // What the attacker of issue 33 did, with a proof made up to pass the hub's check.
        try hub.psql(
            """
            INSERT INTO fleet_erasure (subject, seq, reason, origin_door, erased_at, door_seq, proof)
            VALUES ('\(obama)', nextval('fleet_change_seq'), 'request', '\(mainID)', extract(epoch from now()), 1000,
                decode(repeat('ab', 104), 'hex'));
            SELECT pg_notify('facegate_fleet', '')
            """)
        let seen = side.wait(seconds: 10) { Self.rejected(side) >= 1 && Self.rejected(main) >= 1 }
        #expect(seen != nil, "side \(side.fleet); main \(main.fleet)")
        usleep(1_500_000)
        #expect(side.subjects.contains(obama) && main.subjects.contains(obama), "the forged erasure was applied")
        #expect(try side.decision("obama2.jpg") == ("member", obama))
        #expect(side.fleet["erased_from_hub"] as? Int == 0, "\(side.fleet)")
        #expect((side.fleet["last_rejection"] as? String)?.contains("does not open with the fleet key") == true, "\(side.fleet)")
        for door in [main, side] {
            let breaches = try Self.fleetBreaches(door)
            #expect(
                breaches.contains { (($0["details"] as? [String: Any])?["affected_subjects"] as? [String]) == [obama] },
                "\(breaches)")
            #expect(try door.metric("facegate_fleet_rejected_rows") == 1)
        }
        let refused = try Self.refusedRows(main)
        #expect(
            Set(refused.compactMap { $0["door"] as? String }) == ["main", "side"]
                && refused.allSatisfy {
                    $0["kind"] as? String == "erasure" && $0["problem"] as? String == "seal" && $0["subject"] as? String == obama
                },
            "\(refused)")
        let text = try main.cli(["fleet", "status"]).stdout
        #expect(text.contains("BREACH") && text.contains(obama), "\(text)")
        // The door's own erasure still works, signed, and reaches the other door.
        #expect(try side.cli(["erase", obama]).status == 0)
        #expect(main.wait { !main.subjects.contains(obama) } != nil, "\(main.fleet)")
    }

    @Test("a forged withdrawal of 'entry' (unsigned, the hub's check dropped) withdraws and erases nothing; each door records a breach")
    func forgedWithdrawal() throws {
        let hub = try TestHub()
        let (main, side) = try Self.twoDoors(hub)
        let obama = try Self.enrol(main, "Barack Obama", "obama.jpg")
        #expect(side.wait { Set(Self.purposes(of: obama, at: side)) == ["entry", "attendance-analytics"] } != nil)
        let mainID = try Self.doorID(hub, "main")
        // A writer who is also the tables' owner drops the hub's own refusal of unsigned rows.
        try hub.psql(
            """
            ALTER TABLE fleet_withdrawal DROP CONSTRAINT fleet_withdrawal_signed;
            INSERT INTO fleet_withdrawal (subject, purpose, seq, origin_door, withdrawn_at)
            VALUES ('\(obama)', 'entry', nextval('fleet_change_seq'), '\(mainID)', extract(epoch from now()));
            SELECT pg_notify('facegate_fleet', '')
            """)
        #expect(side.wait(seconds: 10) { Self.rejected(side) >= 1 && Self.rejected(main) >= 1 } != nil, "\(side.fleet)")
        usleep(1_500_000)
        for door in [main, side] {
            #expect(Set(Self.purposes(of: obama, at: door)) == ["entry", "attendance-analytics"], "the forged withdrawal was applied")
            #expect(door.fleet["withdrawn_from_hub"] as? Int == 0, "\(door.fleet)")
            #expect(try Self.fleetBreaches(door).count == 1)
            #expect(try door.metric("facegate_fleet_rejected_rows") == 1)
        }
        #expect(try side.decision("obama2.jpg") == ("member", obama))
        // Nothing erased here, so nothing erased given back to the hub.
        #expect(try hub.psql("SELECT COUNT(*) FROM fleet_erasure") == "0")
        let refused = try Self.refusedRows(side)
        #expect(
            refused.count == 2 && refused.allSatisfy { $0["problem"] as? String == "unsigned" && $0["kind"] as? String == "withdrawal" },
            "\(refused)")
    }

    @Test(
        "genuine signed rows given again, or moved onto another subject or door, are not applied; each is a breach at every door that reads it"
    )
    func replayedRows() throws {
        let hub = try TestHub()
        let (main, side) = try Self.twoDoors(hub)
        let obama = try Self.enrol(main, "Barack Obama", "obama.jpg")
        let biden = try Self.enrol(main, "Joe Biden", "biden.jpg")
        let both: Set<String> = ["entry", "attendance-analytics"]
        #expect(side.wait { Set(Self.purposes(of: biden, at: side)) == both && side.subjects.contains(obama) } != nil)
        // A genuine withdrawal, signed by the side door, reaches the main door.
        #expect(try side.cli(["consent", "withdraw", "--purpose", "attendance-analytics", obama]).status == 0)
        #expect(main.wait { Self.purposes(of: obama, at: main) == ["entry"] } != nil)
        #expect(main.wait { (main.fleet["withdrawn_from_hub"] as? Int) == 1 } != nil)
        let mainID = try Self.doorID(hub, "main")
        // (1) Copied onto another subject, proof and number unchanged.
        try hub.psql(
            """
            INSERT INTO fleet_withdrawal (subject, purpose, seq, origin_door, withdrawn_at, door_seq, proof)
            SELECT '\(biden)', purpose, 0, origin_door, withdrawn_at, door_seq, proof FROM fleet_withdrawal WHERE subject = '\(obama)';
            SELECT pg_notify('facegate_fleet', '')
            """)
        #expect(main.wait { Self.rejected(main) >= 1 } != nil, "\(main.fleet)")
        // (2) Given again: deleted and inserted as it was (the hub numbers it anew).
        try hub.psql(
            """
            CREATE TABLE saved AS SELECT * FROM fleet_withdrawal WHERE subject = '\(obama)';
            DELETE FROM fleet_withdrawal WHERE subject = '\(obama)';
            INSERT INTO fleet_withdrawal SELECT * FROM saved;
            SELECT pg_notify('facegate_fleet', '')
            """)
        #expect(main.wait { Self.rejected(main) >= 2 } != nil, "\(main.fleet)")
        // (3) Moved to another door: the same row said to come from the main door.
        try hub.psql(
            """
            DELETE FROM fleet_withdrawal WHERE subject = '\(obama)';
            INSERT INTO fleet_withdrawal (subject, purpose, seq, origin_door, withdrawn_at, door_seq, proof)
            SELECT subject, purpose, 0, '\(mainID)', withdrawn_at, door_seq, proof FROM saved;
            SELECT pg_notify('facegate_fleet', '')
            """)
        #expect(main.wait { Self.rejected(main) >= 3 } != nil, "\(main.fleet)")
        // (4) A genuine erasure copied onto the member who stays.
        #expect(try side.cli(["erase", obama]).status == 0)
        #expect(main.wait { !main.subjects.contains(obama) } != nil)
        try hub.psql(
            """
            DELETE FROM fleet_withdrawal WHERE subject = '\(biden)';
            INSERT INTO fleet_erasure (subject, seq, reason, origin_door, erased_at, door_seq, proof)
            SELECT '\(biden)', 0, reason, origin_door, erased_at, door_seq, proof FROM fleet_erasure WHERE subject = '\(obama)';
            SELECT pg_notify('facegate_fleet', '')
            """)
        #expect(main.wait { Self.rejected(main) >= 4 } != nil, "\(main.fleet)")
        usleep(1_500_000)
        for door in [main, side] {
            #expect(door.subjects == [biden], "\(door.subjects)")
            #expect(Set(Self.purposes(of: biden, at: door)) == both, "a replayed withdrawal was applied")
            let breaches = try Self.fleetBreaches(door)
            #expect(breaches.count == 4, "\(breaches)")
            #expect(try door.metric("facegate_fleet_rejected_rows") == 4)
        }
        #expect(try main.decision("biden.jpg") == ("member", biden))
        #expect(main.fleet["withdrawn_from_hub"] as? Int == 1 && main.fleet["erased_from_hub"] as? Int == 1, "\(main.fleet)")
        let problems = try Self.refusedRows(main).filter { $0["door"] as? String == "main" }.compactMap { $0["problem"] as? String }
        #expect(problems.sorted() == ["replay", "seal", "seal", "seal"], "\(problems)")
    }

    @Test(
        "each door connects as a hub role of its own: the fleet works, and one door's role cannot write, alter or delete another door's rows"
    )
    func doorRoles() throws {
        let hub = try TestHub()
        let main = try Door(), side = try Door()
        let made = try main.facegate.run([
            "fleet", "init", "--json", "--hub", hub.url, "--name", "main", "--policy", main.fixture.policyPath,
        ])
        let token = try #require(made.jsonLines.first?["token"] as? String, "\(made.stdout)\(made.stderr)")
        // The operator, with the owner's address: a role for the main door (which switches
        // to it), and one for the side door, which joins with it.
        let mainRole = try main.cli(["fleet", "role", "main", "--hub", hub.url, "--json"])
        #expect(mainRole.jsonLines.first?["switched_this_door"] as? Bool == true, "\(mainRole.stdout)\(mainRole.stderr)")
        let sideRole = try main.cli(["fleet", "role", "side", "--hub", hub.url, "--json"])
        let sideURL = try #require(sideRole.jsonLines.first?["url"] as? String, "\(sideRole.stdout)\(sideRole.stderr)")
        #expect(sideURL == hub.url(user: "facegate_door_side"))
        // Without the owner's address it prints the SQL instead.
        let printed = try side.cli(["fleet", "role", "side"])
        #expect(
            printed.status == 0 && printed.stdout.contains("CREATE ROLE facegate_door_side LOGIN IN ROLE facegate_door"),
            "\(printed.stdout)")
        try FleetEndToEndTests.copyKey(from: main, to: side)
        let joined = try side.cli(["fleet", "join", "--hub", sideURL, "--token", token, "--name", "side"])
        #expect(joined.status == 0, "\(joined.stdout)\(joined.stderr)")
        try main.start()
        try side.start()
        // The fleet works under the policies: enrolment, withdrawal and erasure both ways.
        let obama = try Self.enrol(main, "Barack Obama", "obama.jpg")
        let biden = try Self.enrol(main, "Joe Biden", "biden.jpg")
        #expect(side.wait { Set(side.subjects) == [obama, biden] } != nil, "\(side.fleet)")
        #expect(try side.cli(["consent", "withdraw", "--purpose", "attendance-analytics", biden]).status == 0)
        #expect(main.wait { Self.purposes(of: biden, at: main) == ["entry"] } != nil, "\(main.fleet)")
        #expect(try side.cli(["erase", obama]).status == 0)
        #expect(main.wait { main.subjects == [biden] } != nil, "\(main.fleet)")
        #expect(
            try hub.psql("SELECT COUNT(*) FROM fleet_subject") == "1", "the erasure removed the main door's copy through the hub's trigger")
        #expect(
            try hub.psql("SELECT string_agg(name || '=' || role, ',' ORDER BY name) FROM fleet_door")
                == "main=facegate_door_main,side=facegate_door_side")
        let status = try main.cli(["fleet", "status", "--json"]).jsonLines.first ?? [:]
        #expect(((status["doors"] as? [[String: Any]]) ?? []).compactMap { $0["role"] as? String }.count == 2, "\(status)")
        // As the side door's role, against the main door's rows.
        let mainID = try Self.doorID(hub, "main")
        let role = "facegate_door_side"
        func refused(_ sql: String) -> Bool { (try? hub.psql(sql, user: role)) == nil }
        let proof = "decode(repeat('ab', 104), 'hex')"
        #expect(
            refused(
                "INSERT INTO fleet_erasure (subject, seq, reason, origin_door, erased_at, door_seq, proof) VALUES ('\(biden)', 0, 'request', '\(mainID)', 0, 99, \(proof))"
            ), "a row in the main door's name")
        #expect(
            refused(
                "INSERT INTO fleet_withdrawal (subject, purpose, seq, origin_door, withdrawn_at, door_seq, proof) VALUES ('\(biden)', 'entry', 0, '\(mainID)', 0, 99, \(proof))"
            ))
        #expect(refused("INSERT INTO fleet_audit (door_id, seq, sealed) VALUES ('\(mainID)', 999999, \(proof))"))
        #expect(refused("INSERT INTO fleet_rejection VALUES ('\(mainID)', 1, 'erasure', '\(biden)', '\(mainID)', 'seal', 0)"))
        let before = try hub.psql("SELECT md5(string_agg(sealed::text || proof::text, ',')) FROM fleet_subject")
        #expect(
            try hub.psql("UPDATE fleet_subject SET sealed = \(proof) WHERE origin_door = '\(mainID)' RETURNING subject", user: role) == "")
        #expect(try hub.psql("DELETE FROM fleet_subject WHERE origin_door = '\(mainID)' RETURNING subject", user: role) == "")
        #expect(try hub.psql("SELECT md5(string_agg(sealed::text || proof::text, ',')) FROM fleet_subject") == before)
        #expect(try hub.psql("UPDATE fleet_door SET cursor = 0 WHERE door_id = '\(mainID)' RETURNING door_id", user: role) == "")
        #expect(
            try hub.psql("UPDATE fleet_audit_key SET sealed = \(proof) WHERE door_id = '\(mainID)' RETURNING door_id", user: role) == "")
        #expect(refused("UPDATE fleet_door SET role = NULL"), "a door cannot unbind a role")
        #expect(refused("DELETE FROM fleet_erasure"))
        #expect(refused("DELETE FROM fleet_withdrawal"))
        #expect(refused("UPDATE fleet_meta SET schema_version = 1"))
        #expect(refused("DROP TABLE fleet_subject"))
        // Its own row may not be numbered ahead of every door's cursor: the hub numbers it.
        let numbered = try hub.psql(
            "INSERT INTO fleet_subject (subject, seq, sealed, origin_door, enrolled_at, door_seq, proof) VALUES ('ffffffffffffffffffffffffffffffff', 9000000000, \(proof), (SELECT door_id FROM fleet_door WHERE name = 'side'), 0, 99, \(proof)) RETURNING seq",
            user: role)
        #expect((Int(numbered) ?? .max) < 1_000_000, "\(numbered)")
        // Key epochs: not begun in another door's name; no key for another door's copy.
        #expect(refused("INSERT INTO fleet_epoch (epoch, after_seq, begun_by, begun_at) VALUES (99, 0, '\(mainID)', 0)"))
        #expect(refused("INSERT INTO fleet_copy_key (subject, epoch, wrapped) VALUES ('\(biden)', 1, \(proof))"))
        main.stop()
        side.stop()
        // The hub now says it is of version 3, without the key epochs' tables, to doors
        // that joined with epochs: they would seal copies with the fleet key alone, so
        // they give the hub nothing and say why.
        _ = try hub.psql("DROP TABLE fleet_copy_key; DROP TABLE fleet_epoch; UPDATE fleet_meta SET schema_version = 3")
        try main.start()
        let refusedDowngrade = main.wait(seconds: 20) {
            (main.fleet["last_error"] as? String)?.contains("older than the key epochs") == true
        }
        #expect(refusedDowngrade != nil, "\(main.fleet)")
        let again = try Self.enrol(main, "Barack Obama", "obama2.jpg")
        usleep(1_500_000)
        #expect(try hub.psql("SELECT COUNT(*) FROM fleet_subject WHERE subject = '\(again)'") == "0")
        main.stop()
        // Doors that joined before key epochs (no epochs file) on a hub its owner has not
        // upgraded, and whose roles cannot: they warn and go on syncing, the copies sealed
        // with the fleet key as before.
        for door in [main, side] { try FileManager.default.removeItem(atPath: door.fixture.stateDirectory + "/keys/fleet-epochs") }
        try main.start()
        try side.start()
        #expect(side.wait(seconds: 20) { side.subjects.contains(again) } != nil, "\(side.fleet)")
        #expect(try hub.psql("SELECT schema_version FROM fleet_meta") == "3")
        main.stop()
        side.stop()
    }

    @Test(
        "in a black-hole partition (the hub's processes stopped) a door reports disconnected within the sync timeout, and connected again after"
    )
    func blackHolePartition() throws {
        let hub = try TestHub()
        let main = try Door(console: true)
        try FleetEndToEndTests.fleet(hub, main: main, others: [])
        try main.start()
        #expect(main.wait(seconds: 30) { main.fleet["connected"] as? Bool == true } != nil, "\(main.fleet)")
        #expect(try main.metric("facegate_fleet_connected") == 1)
        try hub.pause()
        defer { hub.resume() }
        let down = main.wait(seconds: 40) { main.fleet["connected"] as? Bool == false }
        // No sync has completed for the sync timeout (15 s): disconnected, whatever the socket
        // says (a second more for a loaded machine; before, 123 s).
        #expect(down != nil && down! < 16, "connected was still reported after \(String(describing: down)) s: \(main.fleet)")
        print("fleet: a black-hole partition was reported after \(String(format: "%.1f", down ?? -1)) s")
        #expect(try main.metric("facegate_fleet_connected") == 0)
        #expect((main.fleet["last_error"] as? String)?.contains("did not answer") == true, "\(main.fleet)")
        hub.resume()
        #expect(main.wait(seconds: 40) { main.fleet["connected"] as? Bool == true } != nil, "\(main.fleet)")
        #expect(try main.metric("facegate_fleet_connected") == 1)
        main.stop()
    }

    @Test(
        "rows from a hub made before signing are applied only once a door that holds them signs them again; an old forged row never is"
    )
    func rowsFromBeforeSigning() throws {
        let hub = try TestHub()
        let main = try Door()
        try FleetEndToEndTests.fleet(hub, main: main, others: [])
        try main.start()
        let obama = try Self.enrol(main, "Barack Obama", "obama.jpg")
        let biden = try Self.enrol(main, "Joe Biden", "biden.jpg")
        #expect(main.wait { (try? hub.psql("SELECT COUNT(*) FROM fleet_subject WHERE proof IS NOT NULL")) == "2" } != nil)
        main.stop()
        // The hub as version 2 left it: unsigned rows, one of them an erasure a writer
        // slipped in before the upgrade.
        try hub.psql(
            """
            ALTER TABLE fleet_subject DROP CONSTRAINT fleet_subject_signed;
            ALTER TABLE fleet_erasure DROP CONSTRAINT fleet_erasure_signed;
            ALTER TABLE fleet_erasure DISABLE TRIGGER USER;
            UPDATE fleet_subject SET proof = NULL, door_seq = NULL;
            INSERT INTO fleet_erasure (subject, seq, reason, origin_door, erased_at)
            VALUES ('\(biden)', nextval('fleet_change_seq'), 'request', (SELECT door_id FROM fleet_door WHERE name = 'main'), 0);
            ALTER TABLE fleet_erasure ENABLE TRIGGER USER;
            UPDATE fleet_meta SET schema_version = 2, signed_from = NULL
            """)
        try main.start()
        // The door upgrades the hub (it connects as the owner) and signs the copy it holds.
        let signed = main.wait(seconds: 20) {
            (try? hub.psql("SELECT COUNT(*) FROM fleet_subject WHERE subject = '\(obama)' AND proof IS NOT NULL")) == "1"
        }
        #expect(signed != nil, "\(main.fleet)")
        #expect(try hub.psql("SELECT schema_version FROM fleet_meta") == "4")
        #expect(Set(main.subjects) == [obama, biden], "the old forged erasure was applied")
        // A door joining now adopts the member whose copy is signed, and acts on no
        // unsigned row: the forged erasure, and the copy it keeps from being signed.
        let late = try Door()
        try FleetEndToEndTests.copyKey(from: main, to: late)
        let token = try #require(try main.cli(["fleet", "token", "--json"]).jsonLines.first?["token"] as? String)
        #expect(try late.cli(["fleet", "join", "--hub", hub.url, "--token", token, "--name", "late"]).status == 0)
        try late.start()
        #expect(late.wait { late.subjects == [obama] } != nil, "\(late.subjects) \(late.fleet)")
        usleep(1_500_000)
        #expect(late.subjects == [obama] && late.fleet["rejected_rows"] as? Int == 0, "\(late.fleet)")
        let status = try main.cli(["fleet", "status", "--json"]).jsonLines.first ?? [:]
        let unsigned = (status["unsigned"] as? [[String: Any]]) ?? []
        #expect(unsigned.count == 1 && unsigned.first?["rows"] as? Int == 2, "\(status)")
        late.stop()
        main.stop()
    }
}
