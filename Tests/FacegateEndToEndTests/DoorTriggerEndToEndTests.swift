import FacegateTestSupport
import Foundation
import Testing

/// Only the people who ask are processed, against the real binary: the door zone
/// (passers-by never embedded), `always` for comparison, and claims with a card (1:1,
/// never a search), card-only entries, unknown cards and timeouts.
@Suite("Only the people who ask", .serialized, .perTestLimit)
struct DoorTriggerEndToEndTests {
    final class Appliance: @unchecked Sendable {
        let fixture: ConsentFixture
        let facegate = FacegateProcess()

        /// `trigger` and `claimSeconds` replace the default policy's.
        init(trigger: String = "zone", claimSeconds: Int = 10) throws {
            fixture = try ConsentFixture { text in
                var text = text.replacingOccurrences(of: "trigger = \"zone\"", with: "trigger = \"\(trigger)\"")
                    .replacingOccurrences(of: "claim_seconds = 10 ", with: "claim_seconds = \(claimSeconds) ")
                if trigger == "always" {
                    text = text.replacingOccurrences(
                        of: "dpia_reference = \"\"            # required", with: "dpia_reference = \"DPIA-2026-11\" # required")
                }
                return text
            }
        }

        func run(_ arguments: [String]) throws -> FacegateProcess.Result {
            try facegate.run(arguments + ["--policy", fixture.policyPath])
        }

        /// Enrols Obama with a card; returns his pseudonym.
        func enrolObama(card: String) throws -> String {
            let result = try run([
                "enrol", "--json", "--name", "Barack Obama", "--notice", "2026-12", "--purpose", "entry",
                "--purpose", "attendance-analytics", "--method", "signed-form", "--card", card,
                TestResources.fixture("obama.jpg"), TestResources.fixture("obama2.jpg"),
            ])
            return try #require(result.jsonLines.first?["subject"] as? String, "\(result.stdout)\(result.stderr)")
        }

        func clip(_ name: String, _ scenes: [String]) throws -> String {
            let path = fixture.directory.file(name)
            let result = try facegate.run(["make-clip", "--output", path, "--size", "640x480", "--fps", "15"] + scenes)
            #expect(result.status == 0, "\(result.stderr)")
            return path
        }

        func daemon(_ clip: String) throws -> DaemonProcess {
            try DaemonProcess(
                arguments: ["--source", "y4m:" + clip, "--loop", "--realtime", "--policy", fixture.policyPath, "--log-level", "warning"],
                socketPath: fixture.socketPath)
        }
    }

    /// A stranger crossing the side of the frame (faces up to 140 px, never inside the
    /// zone), then a passer-by walking straight across it (never still), then one
    /// strolling across in 2.4 s (about 25 cm/s).
    static let passersBy = [
        TestResources.fixture("biden.jpg") + ":2:140:0.12,0.15:0.12,0.85",
        TestResources.fixture("biden.jpg") + ":0.8:140:0.05,0.5:0.95,0.5",
        TestResources.fixture("biden.jpg") + ":2.4:140:0.05,0.5:0.95,0.5",
    ]

    @Test("under zone, passers-by at the side or walking across are never embedded nor decided; a member stepping up is")
    func zone() throws {
        let appliance = try Appliance()
        let obama = try appliance.enrolObama(card: "1001")
        let passing = try appliance.clip("passing.y4m", Self.passersBy)
        let result = try appliance.run(["run", "--source", "y4m:" + passing, "--log-level", "warning"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.jsonLines.isEmpty, "no decision about anyone: \(result.stdout)")
        let summary = try #require(RunSummary.parse(result.stderr))
        #expect(summary["embeddings"] as? Int == 0)
        #expect(summary["gallery_searches"] as? Int == 0)
        #expect((summary["faces"] as? Int ?? 0) > 30, "the passers-by were detected and tracked: \(summary)")
        #expect((summary["outside_zone"] as? Int ?? 0) > 30)
        // The same crossing from a 30 fps camera: still never embedded.
        let fast = appliance.fixture.directory.file("passing30.y4m")
        #expect(
            try appliance.facegate.run(
                ["make-clip", "--output", fast, "--fps", "30", TestResources.fixture("biden.jpg") + ":1.2:140:0.05,0.5:0.95,0.5"]
            ).status == 0)
        let thirty = try appliance.run(["run", "--source", "y4m:" + fast, "--log-level", "warning"])
        #expect(RunSummary.parse(thirty.stderr)?["embeddings"] as? Int == 0, "\(thirty.stderr)")
        #expect(thirty.jsonLines.isEmpty)
        let member = try appliance.clip("member.y4m", [TestResources.fixture("obama3.jpg") + ":2:160"])
        let stepping = try appliance.run(["run", "--source", "y4m:" + member, "--log-level", "warning"])
        #expect(stepping.jsonLines.map { $0["decision"] as? String } == ["member"], "\(stepping.stdout)")
        #expect(stepping.jsonLines.first?["subject"] as? String == obama)
    }

    /// Embeddings a whole clip gave (`run` on the file, every frame, no pacing).
    static func embeddings(_ appliance: Appliance, _ clip: String) throws -> (embeddings: Int, decisions: [String]) {
        let result = try appliance.run(["run", "--source", "y4m:" + clip, "--log-level", "warning"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(RunSummary.parse(result.stderr))
        return (summary["embeddings"] as? Int ?? -1, result.jsonLines.compactMap { $0["decision"] as? String })
    }

    @Test("asking means stopping: walking straight at the camera or strolling in the zone is never embedded; standing still is")
    func askingMeansStopping() throws {
        let appliance = try Appliance()
        _ = try appliance.enrolObama(card: "1001")
        let photo = TestResources.fixture("obama3.jpg")
        // Straight at the camera, centred, from 120 to 240 px in 1.6 s (about 0.7 m to
        // 0.35 m: a slow 20 cm/s, a sixth of a walking pace), then gone past it.
        let walkIn = try Self.embeddings(appliance, try appliance.clip("walk-in.y4m", ["\(photo):1.6:120-240", "blank:0.5"]))
        #expect(walkIn.embeddings == 0 && walkIn.decisions.isEmpty, "walk-in: \(walkIn)")
        // Strolling across the middle of the zone in 4 s at a door's distance (~10 cm/s).
        let stroll = try Self.embeddings(appliance, try appliance.clip("stroll.y4m", ["\(photo):4:160:0.3,0.5:0.7,0.5"]))
        #expect(stroll.embeddings == 0 && stroll.decisions.isEmpty, "stroll: \(stroll)")
        // Walking up, then standing at the spot: compared, and decided a member.
        let stand = try Self.embeddings(appliance, try appliance.clip("stand.y4m", ["\(photo):1:120-170", "\(photo):2:170"]))
        #expect(stand.embeddings >= 3 && stand.decisions == ["member"], "stand: \(stand)")
        print("asking means stopping: embeddings walk-in \(walkIn.embeddings), stroll \(stroll.embeddings), stand \(stand.embeddings)")
    }

    @Test("a card presented while its holder walks up makes the entry the card's: their face is never embedded")
    func cardUser() throws {
        let appliance = try Appliance()
        _ = try appliance.enrolObama(card: "1001")
        let photo = TestResources.fixture("obama3.jpg")
        // A grey hall, then walking up (from about 1.4 m to 0.5 m in 1.2 s) and standing:
        // the card is shown before they reach the spot (a reader beside it).
        let clip = try appliance.clip("card-user.y4m", ["blank:3", "\(photo):1.2:60-170", "\(photo):3:170"])
        let daemon = try DaemonProcess(
            arguments: ["--source", "y4m:" + clip, "--realtime", "--policy", appliance.fixture.policyPath, "--log-level", "warning"],
            socketPath: appliance.fixture.socketPath)
        usleep(500_000)
        let admit = try appliance.run(["door", "admit", "--json", "--card", "1001"])
        #expect(admit.status == 0, "\(admit.stderr)")
        #expect(daemon.waitForEvent(seconds: 30) { $0["decision"] as? String == "card" } != nil)
        usleep(6_000_000)
        #expect(daemon.stop() == 0)
        let summary = try #require(RunSummary.parse(daemon.errorText))
        #expect(summary["embeddings"] as? Int == 0, "the card user's face was not processed: \(summary)")
        #expect(!daemon.events.contains { $0["decision"] as? String == "member" }, "\(daemon.events)")
    }

    @Test("under always, the same passers-by are embedded and decided unknown, and the record says why")
    func always() throws {
        let appliance = try Appliance(trigger: "always")
        _ = try appliance.enrolObama(card: "1001")
        let passing = try appliance.clip("passing.y4m", Self.passersBy)
        let result = try appliance.run(["run", "--source", "y4m:" + passing, "--log-level", "warning"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(RunSummary.parse(result.stderr))
        #expect((summary["embeddings"] as? Int ?? 0) > 0)
        #expect(!result.jsonLines.isEmpty && result.jsonLines.allSatisfy { $0["decision"] as? String == "unknown" })
        let ropa = try appliance.run(["export", "ropa", "--draft"])
        #expect(ropa.stdout.contains("DPIA-2026-11") && ropa.stdout.contains("\"trigger\":\"always\""), "\(ropa.stdout)")
    }

    @Test("under claim, the card's holder is matched 1:1 with no search; an unknown card is refused; a card alone admits")
    func claimMatched() throws {
        let appliance = try Appliance(trigger: "claim")
        let obama = try appliance.enrolObama(card: "0451-7781")
        let daemon = try appliance.daemon(try appliance.clip("door.y4m", [TestResources.fixture("obama3.jpg") + ":2:160"]))
        // Standing at the door is not enough: without a card nobody is compared.
        usleep(1_500_000)
        #expect(daemon.events.isEmpty, "\(daemon.events)")
        let claim = try appliance.run(["door", "claim", "--json", "--card", "0451-7781"])
        #expect(claim.status == 0, "\(claim.stderr)")
        let id = try #require(claim.jsonLines.first?["claim"] as? String)
        let matched = try #require(daemon.waitForEvent { $0["claim"] as? String == id }, "\(daemon.events)")
        #expect(matched["decision"] as? String == "member" && matched["subject"] as? String == obama)
        #expect((matched["distance"] as? Double ?? 1) < 0.6)
        // An unknown card: refused, its own event, the number nowhere.
        let unknown = try appliance.run(["door", "claim", "--card", "9999-0000"])
        #expect(unknown.status == 67 && unknown.stderr.contains("door admit"), "\(unknown.stderr)")
        #expect(!unknown.stderr.contains("9999"))
        #expect(daemon.waitForEvent { $0["decision"] as? String == "claim_unknown_card" } != nil)
        // A card alone: the door opens with no face processed.
        // The number piped, as a reader integration should (arguments are visible in `ps`).
        let admit = try appliance.facegate.run(
            ["door", "admit", "--json", "--card", "-", "--policy", appliance.fixture.policyPath], stdin: Data("0451-7781\n".utf8))
        #expect(admit.status == 0 && admit.jsonLines.first?["subject"] as? String == obama, "\(admit.stderr)")
        #expect(daemon.waitForEvent { $0["decision"] as? String == "card" && $0["track"] is NSNull } != nil)
        #expect(daemon.stop() == 0)
        let summary = try #require(RunSummary.parse(daemon.errorText))
        #expect(summary["gallery_searches"] as? Int == 0, "a claim never searches the gallery: \(summary)")
        #expect(summary["claims"] as? Int == 2 && summary["claim_matched"] as? Int == 1 && summary["claim_unknown_card"] as? Int == 1)
        // Every face embedded was compared 1:1 or, queued after its claim had ended,
        // wiped without a comparison: never searched.
        let verifications = summary["verifications"] as? Int ?? 0
        #expect(verifications >= 3 && verifications <= summary["embeddings"] as? Int ?? 0, "\(summary)")
        #expect(summary["card_entries"] as? Int == 1)
        // Claims and cards need the door: without a daemon they say so.
        let offline = try appliance.run(["door", "claim", "--card", "0451-7781"])
        #expect(offline.status == 69 && offline.stderr.contains("facegate run"), "\(offline.stderr)")
    }

    @Test("under claim, another person with the card is a mismatch without a distance or a search; no face in time is a timeout")
    func claimRefused() throws {
        let appliance = try Appliance(trigger: "claim", claimSeconds: 2)
        let obama = try appliance.enrolObama(card: "0451-7781")
        let daemon = try appliance.daemon(try appliance.clip("biden.y4m", [TestResources.fixture("biden.jpg") + ":2:160"]))
        let claim = try appliance.run(["door", "claim", "--json", "--card", "0451-7781"])
        let id = try #require(claim.jsonLines.first?["claim"] as? String, "\(claim.stderr)")
        let mismatch = try #require(daemon.waitForEvent { $0["claim"] as? String == id }, "\(daemon.events)")
        #expect(mismatch["decision"] as? String == "claim_mismatch")
        #expect(mismatch["subject"] as? String == obama, "the card's holder, whose card it was")
        #expect(mismatch["distance"] is NSNull)
        #expect(daemon.stop() == 0)
        let summary = try #require(RunSummary.parse(daemon.errorText))
        #expect(summary["gallery_searches"] as? Int == 0, "a failed 1:1 match is never followed by a search: \(summary)")
        #expect(summary["claim_mismatch"] as? Int == 1 && summary["claim_matched"] as? Int == 0)

        let empty = try appliance.daemon(try appliance.clip("empty.y4m", ["blank:1"]))
        let waiting = try appliance.run(["door", "claim", "--json", "--card", "0451-7781"])
        let second = try #require(waiting.jsonLines.first?["claim"] as? String, "\(waiting.stderr)")
        let timeout = try #require(empty.waitForEvent(seconds: 10) { $0["claim"] as? String == second }, "\(empty.events)")
        #expect(timeout["decision"] as? String == "claim_timeout" && timeout["subject"] as? String == obama)
        #expect(empty.stop() == 0)
    }

    @Test("claims are refused where the trigger is not claim, and a new trigger waits for a restart")
    func claimsOff() throws {
        let appliance = try Appliance()
        _ = try appliance.enrolObama(card: "1001")
        let daemon = try appliance.daemon(try appliance.clip("empty.y4m", ["blank:1"]))
        let claim = try appliance.run(["door", "claim", "--card", "1001"])
        #expect(claim.status == 78 && claim.stderr.contains("trigger = \"claim\""), "\(claim.stderr)")
        // Changing the trigger under a running door waits for a restart: the record of
        // processing never describes a trigger the door does not run.
        let text = try String(contentsOfFile: appliance.fixture.policyPath, encoding: .utf8)
        try text.replacingOccurrences(of: "trigger = \"zone\"", with: "trigger = \"claim\"")
            .write(toFile: appliance.fixture.policyPath, atomically: true, encoding: .utf8)
        let reload = try appliance.run(["policy", "reload"])
        #expect(reload.status == 78 && reload.stderr.contains("restart"), "\(reload.stderr)")
        #expect(try appliance.run(["status", "--json"]).jsonLines.first?["trigger"] as? String == "zone")
        #expect(daemon.stop() == 0)
    }
}
