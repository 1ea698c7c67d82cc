import FacegateTestSupport
import Foundation
import Testing

/// Enrolment, identification, withdrawal, erasure and the DPO's exports, through the
/// real binary on a real state directory with real photos.
@Suite("facegate enroll / identify / erase / export", .perTestLimit)
struct ConsentEndToEndTests {
    final class Appliance: @unchecked Sendable {
        let fixture: ConsentFixture
        let facegate = FacegateProcess()
        init() throws { fixture = try ConsentFixture() }

        func run(_ arguments: [String]) throws -> FacegateProcess.Result {
            try facegate.run(arguments + ["--policy", fixture.policyPath])
        }

        func enroll(_ name: String, _ photos: [String], purposes: [String] = ["entry"]) throws -> FacegateProcess.Result {
            try run(
                ["enroll", "--json", "--name", name, "--notice", "2026-01", "--method", "signed-form"]
                    + purposes.flatMap { ["--purpose", $0] } + photos.map(TestResources.fixture))
        }

        func identify(_ photo: String) throws -> [[String: Any]] {
            let result = try run(["identify", "--json", TestResources.fixture(photo)])
            return (result.jsonLines.first?["faces"] as? [[String: Any]]) ?? []
        }
    }

    @Test("enrol, identify, erase: the next identify no longer matches")
    func lifecycle() throws {
        let appliance = try Appliance()
        let enrolled = try appliance.enroll("Barack Obama", ["obama.jpg", "obama2.jpg"], purposes: ["entry", "attendance-analytics"])
        #expect(enrolled.status == 0, "\(enrolled.stderr)")
        let subject = try #require(enrolled.jsonLines.first?["subject"] as? String)
        #expect(enrolled.jsonLines.first?["templates"] as? Int == 2)
        #expect(enrolled.lines.first?.hasPrefix("{\"subject\":") == true)
        #expect(try appliance.enroll("Joe Biden", ["biden.jpg"]).status == 0)

        let obama = try appliance.identify("obama3.jpg")
        #expect(obama.count == 1)
        #expect(obama.first?["decision"] as? String == "member")
        #expect(obama.first?["subject"] as? String == subject)
        #expect((obama.first?["distance"] as? Double ?? 1) < 0.6)
        #expect(obama.first?["name"] as? String == "Barack Obama", "root is an admin and sees names")

        let group = try appliance.identify("t1.jpg")
        #expect(group.count == 6)
        #expect(group.allSatisfy { $0["decision"] as? String == "unknown" && $0["subject"] is NSNull && $0["distance"] is NSNull })

        let listing = try appliance.run(["subjects", "--json"])
        let subjects = try #require(listing.jsonLines.first?["subjects"] as? [[String: Any]])
        #expect(subjects.count == 2)
        #expect(subjects.first { $0["subject"] as? String == subject }?["purposes"] as? [String] == ["attendance-analytics", "entry"])
        #expect(subjects.allSatisfy { $0["expires_at"] is String && $0["name"] == nil })

        let erased = try appliance.run(["erase", "--json", subject])
        #expect(erased.status == 0, "\(erased.stderr)")
        #expect(try appliance.identify("obama3.jpg").first?["decision"] as? String == "unknown")
        #expect(try appliance.identify("biden.jpg").first?["decision"] as? String == "member")

        // Identify stored nothing about the faces: besides the record of who ran which
        // command, the audit log has the enrolments, the erasure, and each lookup that
        // found a member (under that member, for their access answer): Obama's, then
        // Biden's. The strangers of the group photo left nothing.
        let audit = try appliance.run(["export", "audit"])
        let actions = audit.jsonLines.compactMap { $0["action"] as? String }
        #expect(
            actions.filter { $0 != "admin.command" } == [
                "subject.enrol", "subject.enrol", "identify.match", "subject.erase", "identify.match", "export.audit",
            ])
        let lookups = audit.jsonLines.filter { $0["action"] as? String == "identify.match" }.compactMap { $0["subject"] as? String }
        #expect(lookups.first == subject && lookups.count == 2)
        let commands = audit.jsonLines.filter { $0["action"] as? String == "admin.command" }.compactMap {
            ($0["details"] as? [String: Any])?["command"] as? String
        }
        #expect(commands.filter { $0 == "identify" }.count == 4)
        #expect(audit.jsonLines.filter { $0["action"] as? String == "admin.command" }.allSatisfy { $0["actor"] as? String == "root" })
    }

    @Test("withdrawal takes effect before the command returns")
    func withdrawal() throws {
        let appliance = try Appliance()
        let subject = try #require(try appliance.enroll("Joe Biden", ["biden.jpg"]).jsonLines.first?["subject"] as? String)
        #expect(try appliance.identify("biden.jpg").first?["decision"] as? String == "member")
        let result = try appliance.run(["consent", "withdraw", "--json", subject])
        #expect(result.status == 0)
        #expect(result.jsonLines.first?["erased"] as? Bool == true)
        #expect(try appliance.identify("biden.jpg").first?["decision"] as? String == "unknown")
        let again = try appliance.run(["erase", subject])
        #expect(again.status == 67, "an erased subject is not found: \(again.stderr)")
    }

    @Test("enrolment is refused, storing nothing, for a photo without a face, two people, or a face already enrolled")
    func refusals() throws {
        let appliance = try Appliance()
        let noFace = try appliance.fixture.directory.write("wall.png", bytes: SyntheticPNG.gradient(width: 320, height: 240))
        let blank = try appliance.run(["enroll", "--name", "X", "--notice", "2026-01", "--purpose", "entry", "--method", "tablet", noFace])
        #expect(blank.status == 65)
        #expect(blank.stderr.contains("wall.png") && blank.stderr.contains("no face"))

        let mixed = try appliance.enroll("X", ["obama.jpg", "biden.jpg"])
        #expect(mixed.status == 65)
        #expect(mixed.stdout.contains("do not show the same person"))

        #expect(try appliance.enroll("Barack Obama", ["obama.jpg"]).status == 0)
        let duplicate = try appliance.enroll("Someone", ["obama3.jpg"])
        #expect(duplicate.status == 65)
        #expect(duplicate.stdout.contains("already enrolled"))

        let noConsent = try appliance.enroll("Y", ["biden.jpg"], purposes: ["offers"])
        #expect(noConsent.status == 65)
        #expect(noConsent.stdout.contains("consent_required") && noConsent.stdout.contains("entry"))

        let listing = try appliance.run(["subjects", "--json"])
        #expect((listing.jsonLines.first?["subjects"] as? [Any])?.count == 1)
    }

    @Test("the DPO exports verify offline with the device's public key, and a tampered export does not")
    func exportsVerify() throws {
        let appliance = try Appliance()
        _ = try appliance.enroll("Barack Obama", ["obama.jpg"])
        let directory = appliance.fixture.directory
        let auditFile = directory.file("audit.jsonl"), consentFile = directory.file("consent.jsonl")
        #expect(try appliance.run(["export", "audit", "--output", auditFile]).status == 0)
        #expect(try appliance.run(["export", "consent-log", "--output", consentFile]).status == 0)
        #expect(try appliance.run(["export", "audit", "--output", auditFile]).status != 0, "exports never overwrite")
        let key = appliance.fixture.directory.file("state/keys/audit-signing.pub")
        for file in [auditFile, consentFile] {
            let result = try appliance.facegate.run(["audit", "verify", "--json", file, "--public-key", key])
            #expect(result.status == 0, "\(file): \(result.stdout) \(result.stderr)")
            #expect(result.jsonLines.first?["valid"] as? Bool == true)
        }
        var lines = try String(contentsOfFile: auditFile, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[1] = lines[1].replacingOccurrences(of: "\"actor\":\"root\"", with: "\"actor\":\"mallory\"")
        try (lines.joined(separator: "\n") + "\n").write(toFile: auditFile + ".tampered", atomically: true, encoding: .utf8)
        let tampered = try appliance.facegate.run(["audit", "verify", auditFile + ".tampered", "--public-key", key])
        #expect(tampered.status == 65)
        #expect(tampered.stderr.contains("entry: 1"))

        let ropa = try appliance.run(["export", "ropa", "--draft"])
        #expect(ropa.status == 0)
        #expect(ropa.stdout.contains("g_security_measures"))
    }

    @Test("with the shipped placeholders export ropa exits 78 naming every unfilled field, exports nothing, and is audited as refused")
    func recordOfProcessingRefused() throws {
        let appliance = try Appliance()
        let output = appliance.fixture.directory.file("ropa.json")
        let refused = try appliance.run(["export", "ropa", "--output", output])
        #expect(refused.status == 78, "\(refused.stdout)\(refused.stderr)")
        for key in ["controller.name", "controller.address", "controller.contact", "controller.dpo_contact"] {
            #expect(refused.stderr.contains(key), "\(key) is not named: \(refused.stderr)")
        }
        #expect(refused.stderr.contains("--draft") && refused.stderr.contains(appliance.fixture.policyPath))
        #expect(!FileManager.default.fileExists(atPath: output), "nothing was exported")
        let markdown = try appliance.run(["export", "ropa", "--format", "md"])
        #expect(markdown.status == 78 && markdown.stdout.isEmpty)

        let audit = try appliance.run(["export", "audit"]).jsonLines
        #expect(!audit.contains { $0["action"] as? String == "export.ropa" }, "no record of processing was disclosed")
        let refusals = audit.filter {
            $0["action"] as? String == "admin.command" && ($0["details"] as? [String: Any])?["command"] as? String == "export.ropa"
        }
        #expect(refusals.count == 2)
        #expect(refusals.allSatisfy { ($0["details"] as? [String: Any])?["outcome"] as? String == "record_of_processing_incomplete" })

        let draft = try appliance.run(["export", "ropa", "--draft", "--output", output])
        #expect(draft.status == 0, "\(draft.stderr)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any])
        #expect(document["draft"] as? Bool == true)
        #expect((document["unfilled_fields"] as? [String])?.contains("controller.name") == true)
        let draftMarkdown = try appliance.run(["export", "ropa", "--draft", "--format", "md"])
        #expect(draftMarkdown.stdout.hasPrefix("DRAFT — not a record of processing until"), "\(draftMarkdown.stdout.prefix(200))")
    }

    @Test("once the policy names the controller, export ropa needs no --draft and is not marked as one")
    func recordOfProcessingFilledIn() throws {
        let fixture = try ConsentFixture(edit: ConsentFixture.fillingInController)
        let facegate = FacegateProcess()
        let ropa = try facegate.run(["export", "ropa", "--policy", fixture.policyPath])
        #expect(ropa.status == 0, "\(ropa.stderr)")
        #expect(ropa.jsonLines.first?["draft"] as? Bool == false)
        #expect(ropa.jsonLines.first?["unfilled_fields"] == nil)
        #expect(ropa.stdout.contains("Riverside Climbing Club Ltd"))
        let markdown = try facegate.run(["export", "ropa", "--format", "md", "--policy", fixture.policyPath])
        #expect(markdown.status == 0 && markdown.stdout.hasPrefix("# Record of processing"))
    }

    @Test("a policy error names the key and exits with the configuration status")
    func policyError() throws {
        let directory = TemporaryDirectory()
        let text = ConsentFixture.defaultPolicyText.replacingOccurrences(of: "template_days = 365", with: "template_days = -5")
        let policy = try directory.write("policy.toml", text: text)
        let result = try FacegateProcess().run(["subjects", "--policy", policy, "--state-dir", directory.path])
        #expect(result.status == 78)
        #expect(result.stderr.contains("retention.template_days"))
    }
}
