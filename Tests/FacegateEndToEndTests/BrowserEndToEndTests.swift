import FacegateTestSupport
import Foundation
import Testing

/// The venue console in a real browser: headless Chromium, driven by Selenium from
/// `Tests/Browser/console_browser.py`, against a real daemon. The script signs in,
/// enrols through the enrol page, identifies a portrait and a group photo, erases a
/// member with the typed confirmation, signs out, and downloads the consent log as
/// the DPO; every page it visits is saved in `.build/console-screenshots/`.
@Suite("Venue console in a browser", .serialized, .perTestLimit)
struct BrowserEndToEndTests {
    static let missing = ExternalTestTools.missingForBrowser

    @Test(
        "an admin enrols, identifies and erases through the pages, and the DPO downloads the consent log, in headless Chromium",
        .enabled(if: missing.isEmpty || ExternalTestTools.required, Comment(rawValue: ExternalTestTools.skipMessage(missing))))
    func consoleInChromium() throws {
        guard Self.missing.isEmpty else {
            Issue.record("FACEGATE_REQUIRE_BROWSER=1 but the browser test cannot run: missing \(Self.missing.joined(separator: ", "))")
            return
        }
        let console = try ConsoleDaemon(accounts: [("ana", "admin"), ("dee", "dpo")])
        let passwordFile = try console.fixture.directory.write("password", text: ConsoleDaemon.password + "\n")
        let screenshots = TestResources.repositoryRoot + "/.build/console-screenshots"
        try? FileManager.default.removeItem(atPath: screenshots)
        let script = TestResources.repositoryRoot + "/Tests/Browser/console_browser.py"
        let result = try ExternalTestTools.run(
            ExternalTestTools.python,
            [
                script, "--base", console.base, "--admin", "ana", "--dpo", "dee", "--password-file", passwordFile,
                "--photos", TestResources.fixtureDirectory, "--screenshots", screenshots,
                "--downloads", console.fixture.directory.file("downloads"),
            ],
            environment: ["PYTHONUNBUFFERED": "1"], directory: console.fixture.directory.path, timeout: 300)
        print("console_browser.py took \(String(format: "%.1f", result.seconds)) s; screenshots in \(screenshots)")
        #expect(
            result.status == 0,
            "console_browser.py \(result.timedOut ? "timed out" : "exited \(result.status)"):\n\(result.output)\n--- daemon log (tail) ---\n\(console.daemon.errorText.suffix(3000))"
        )
        let pictures = (try? FileManager.default.contentsOfDirectory(atPath: screenshots))?.filter { $0.hasSuffix(".png") } ?? []
        #expect(pictures.count >= 12, "screenshots: \(pictures.sorted())")
        // What the pages did is what the CLI sees: one member left, the erasure audited.
        let members = try console.client("ana").request("GET", "/api/v1/subjects")
        #expect((members.json["subjects"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Ada Lovelace"], "\(members.text)")
        let actions = try console.auditEntries().compactMap { $0["action"] as? String }
        #expect(actions.contains("console.sign_in") && actions.contains("console.sign_out"), "\(actions)")
        #expect(console.daemon.process.isRunning)
        #expect(console.daemon.stop() == 0)
    }

    @Test(
        "the deny-list queue works with two logins (the proposer sees no approve button) and the stats page shows its charts, in headless Chromium",
        .enabled(if: missing.isEmpty || ExternalTestTools.required, Comment(rawValue: ExternalTestTools.skipMessage(missing))))
    func governanceInChromium() throws {
        guard Self.missing.isEmpty else {
            Issue.record("FACEGATE_REQUIRE_BROWSER=1 but the browser test cannot run: missing \(Self.missing.joined(separator: ", "))")
            return
        }
        let console = try ConsoleDaemon(
            accounts: [("ana", "admin"), ("ben", "admin"), ("cy", "admin"), ("dee", "dpo")],
            prepare: { fixture in
                _ = try fixture.recordHistory(
                    members: [("Mallory Example", ["entry"]), ("Rita Regular", ["entry", "attendance-analytics"])],
                    visitDaysAgo: [1, 3, 6, 9])
            })
        let passwordFile = try console.fixture.directory.write("password", text: ConsoleDaemon.password + "\n")
        let screenshots = TestResources.repositoryRoot + "/.build/console-screenshots/governance"
        try? FileManager.default.removeItem(atPath: screenshots)
        let script = TestResources.repositoryRoot + "/Tests/Browser/governance_browser.py"
        let result = try ExternalTestTools.run(
            ExternalTestTools.python,
            [
                script, "--base", console.base, "--admins", "ana,ben,cy", "--dpo", "dee", "--password-file", passwordFile,
                "--member", "Mallory Example", "--regular", "Rita Regular", "--screenshots", screenshots,
                "--downloads", console.fixture.directory.file("downloads"),
            ],
            environment: ["PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"], directory: console.fixture.directory.path, timeout: 300)
        print("governance_browser.py took \(String(format: "%.1f", result.seconds)) s; screenshots in \(screenshots)")
        #expect(
            result.status == 0,
            "governance_browser.py \(result.timedOut ? "timed out" : "exited \(result.status)"):\n\(result.output)\n--- daemon log (tail) ---\n\(console.daemon.errorText.suffix(3000))"
        )
        let pictures = (try? FileManager.default.contentsOfDirectory(atPath: screenshots))?.filter { $0.hasSuffix(".png") } ?? []
        #expect(pictures.count >= 12, "screenshots: \(pictures.sorted())")
        // What the pages did is what the audit log holds: each step under its own account.
        let approvals = try console.auditEntries().filter { $0["action"] as? String == "denylist.approve" }.compactMap {
            $0["actor"] as? String
        }
        #expect(approvals == ["console:ben", "console:cy"], "\(approvals)")
        #expect(console.daemon.stop() == 0)
    }
}
