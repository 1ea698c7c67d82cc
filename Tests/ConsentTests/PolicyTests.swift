import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import Testing
import Vault

@Suite("Policy loading and validation", .perTestLimit)
struct PolicyTests {
    func load(_ edit: @escaping (String) -> String) throws -> Policy {
        try ConsentFixture(edit: edit).policy
    }

    @Test(
        "every range policy/default.toml documents is the one the loader enforces: just outside it is refused, naming the key and the same bounds"
    )
    func documentedRanges() throws {
        let text = try String(contentsOfFile: TestResources.repositoryRoot + "/policy/default.toml", encoding: .utf8)
        var checked: [String] = []
        for line in text.split(separator: "\n").map(String.init) {
            guard let match = line.firstMatch(of: /^(\w+)\s*=\s*(-?[0-9.]+)\s*#\s*([0-9.]+)-([0-9.]+)/),
                let low = Double(match.3), let high = Double(match.4)
            else { continue }
            let key = String(match.1)
            let step = low == low.rounded() && high == high.rounded() ? 1.0 : 0.001
            for outside in [low - step, high + step] {
                let written = step == 1 ? String(Int(outside)) : String(outside)
                let edited = line.replacingOccurrences(of: "= \(match.2)", with: "= \(written)")
                let error = #expect(throws: ConsentError.self, "\(key) = \(written)") {
                    try load { $0.replacingOccurrences(of: line, with: edited) }
                }
                let message = error?.message ?? ""
                #expect(message.contains(".\(key)'") || message.contains("'\(key)'"), "\(message)")
                let bounds = message.firstMatch(of: /between (-?[0-9.]+) and (-?[0-9.]+)/).map { (Double($0.1), Double($0.2)) }
                #expect(
                    bounds?.0 == low && bounds?.1 == high, "default.toml documents \(key) as \(match.3)-\(match.4); the loader: \(message)")
            }
            checked.append(key)
        }
        #expect(checked.count >= 25, "\(checked)")
    }

    @Test("the default policy loads with privacy-protective defaults")
    func defaults() throws {
        let policy = try load { $0 }
        #expect(policy.recognition.threshold == 0.6)
        #expect(policy.retention.templateDays == 365)
        #expect(policy.retention.accessEventDays == 180)
        #expect(policy.denyList.enabled == false)
        #expect(policy.denyList.isActive == false)
        #expect(policy.notices.map(\.version) == ["2026-01", "2026-12", "2027-01"])
        #expect(policy.notices[0].sha256.count == 64)
        #expect(Set(policy.purposes.map(\.id)) == ["entry", "attendance-analytics", "offers"])
        // Only the people who ask: the door zone by default.
        #expect(policy.recognition.trigger == .zone)
        #expect(policy.recognition.zone == DoorZone(x0: 0.25, y0: 0.1, x1: 0.75, y1: 0.9))
        #expect(policy.recognition.zoneMinFaceFraction == 0.2)
        #expect(policy.recognition.zoneDwellFrames == 9)
    }

    @Test("the newest notice says that only people who stop are processed, what a card does, and names the policy's controller")
    func noticeSaysTheTrigger() throws {
        let policy = try load(ConsentFixture.fillingInController)
        let notice = try #require(policy.notice(version: "2027-01"))
        #expect(notice.text.contains("Only people who stop at the door"))
        #expect(notice.text.contains("still for about half a second") && notice.text.contains("not at all if you show it before"))
        #expect(
            notice.text.contains("the first to step up within 5 seconds") && notice.text.contains("does not measure or compare your face"))
        // The controller is the policy's, filled into the text people read, and hashed as filled.
        #expect(notice.text.contains("**Controller:** Riverside Climbing Club Ltd, 4 Mill Lane, Northbridge"))
        #expect(!notice.text.contains("{{") && !notice.text.contains("Example Venue"))
        #expect(notice.sha256 == Hex.encode(SHA256.hash(Array(notice.text.utf8))))
        let shipped = try #require(try load { $0 }.notice(version: "2027-01"))
        #expect(shipped.text.contains("Example Venue Ltd") && shipped.sha256 != notice.sha256)
    }

    @Test(
        "a trigger, zone or dwell outside what the door can mean is refused, naming the key",
        arguments: [
            ("trigger = \"zone\"", "trigger = \"everyone\"", "recognition.trigger"),
            ("trigger = \"zone\"", "trigger = \"always\"", "recognition.dpia_reference"),
            ("zone = [0.25, 0.1, 0.75, 0.9]", "zone = [0.75, 0.1, 0.25, 0.9]", "recognition.zone"),
            ("zone = [0.25, 0.1, 0.75, 0.9]", "zone = [0.25, 0.1, 1.5]", "recognition.zone"),
            ("zone_min_face_fraction = 0.2", "zone_min_face_fraction = 0", "recognition.zone_min_face_fraction"),
            ("zone_min_face_fraction = 0.2", "zone_min_face_fraction = 0.9", "recognition.zone_min_face_fraction"),
            ("zone = [0.25, 0.1, 0.75, 0.9]", "zone = [0.5, 0.5, 0.5001, 0.5001]", "recognition.zone"),
            ("zone_dwell_frames = 9", "zone_dwell_frames = 3", "recognition.zone_dwell_frames"),
            ("claim_seconds = 10", "claim_seconds = 3600", "recognition.claim_seconds"),
        ])
    func badTrigger(original: String, replacement: String, key: String) {
        let error = #expect(throws: ConsentError.self) { try load { $0.replacingOccurrences(of: original, with: replacement) } }
        #expect(error?.code == .invalidPolicy)
        #expect(error?.message.contains(key) == true, "\(error?.message ?? "")")
    }

    @Test("always is accepted with a DPIA reference, and refused with a blank one")
    func alwaysWithDPIA() throws {
        func always(dpia: String) throws -> Policy {
            try load {
                $0.replacingOccurrences(of: "trigger = \"zone\"", with: "trigger = \"always\"")
                    .replacingOccurrences(
                        of: "dpia_reference = \"\"            # required", with: "dpia_reference = \"\(dpia)\" # required")
            }
        }
        let blank = #expect(throws: ConsentError.self) { try always(dpia: "   ") }
        #expect(blank?.message.contains("recognition.dpia_reference") == true)
        let policy = try always(dpia: " DPIA-2026-07 ")
        #expect(policy.recognition.trigger == .always)
        #expect(policy.recognition.dpiaReference == "DPIA-2026-07")
    }

    @Test("the notice names the controller, the purposes and how to withdraw; its hash is of its exact bytes")
    func notice() throws {
        let policy = try load { $0 }
        let notice = policy.notices[0]
        #expect(notice.text.contains(policy.controller.name))
        for purpose in notice.purposes { #expect(notice.text.contains(purpose)) }
        #expect(notice.text.lowercased().contains("withdraw"))
        #expect(notice.sha256 == Hex.encode(SHA256.hash(Array(notice.text.utf8))))
    }

    @Test("an unknown key is an error that names it")
    func unknownKey() {
        let error = #expect(throws: ConsentError.self) {
            try load { $0.replacingOccurrences(of: "threshold = 0.6", with: "treshold = 0.6") }
        }
        #expect(error?.code == .invalidPolicy)
        #expect(error?.message.contains("recognition.treshold") == true)
    }

    @Test("an unknown table is an error too")
    func unknownTable() {
        let error = #expect(throws: ConsentError.self) { try load { $0 + "\n[camera]\nfps = 30\n" } }
        #expect(error?.message.contains("'camera'") == true)
    }

    @Test(
        "a negative duration is an error that names the key",
        arguments: [
            ("template_days = 365", "template_days = -1", "retention.template_days"),
            ("access_event_days = 180", "access_event_days = 0", "retention.access_event_days"),
            ("review_days = 90", "review_days = -90", "denylist.review_days"),
        ])
    func negativeDuration(original: String, replacement: String, key: String) {
        let error = #expect(throws: ConsentError.self) { try load { $0.replacingOccurrences(of: original, with: replacement) } }
        #expect(error?.code == .invalidPolicy)
        #expect(error?.message.contains(key) == true)
    }

    @Test("a missing notice file is an error that names the file")
    func missingNotice() {
        let error = #expect(throws: ConsentError.self) {
            try load { $0.replacingOccurrences(of: "notices/membership-2026-01.md", with: "notices/missing.md") }
        }
        #expect(error?.message.contains("notices/missing.md") == true)
    }

    @Test("a notice purpose that is not declared is an error")
    func undeclaredPurpose() {
        let error = #expect(throws: ConsentError.self) {
            try load {
                $0.replacingOccurrences(
                    of: "purposes = [\"entry\", \"attendance-analytics\", \"offers\"]", with: "purposes = [\"entry\", \"marketing\"]")
            }
        }
        #expect(error?.message.contains("marketing") == true)
    }

    @Test("a wrong type and malformed TOML are errors")
    func malformed() {
        #expect(throws: ConsentError.self) { try load { $0.replacingOccurrences(of: "threshold = 0.6", with: "threshold = \"high\"") } }
        let error = #expect(throws: ConsentError.self) { try load { $0 + "\n[[broken\n" } }
        #expect(error?.message.contains("not valid TOML") == true)
    }

    @Test("no notice at all is an error: enrolment needs one")
    func noNotice() {
        #expect(throws: ConsentError.self) {
            try load { text in
                // Every [[notices]] table, up to the next table.
                guard let start = text.range(of: "[[notices]]"), let end = text.range(of: "[audit]") else { return text }
                return String(text[..<start.lowerBound] + text[end.lowerBound...])
            }
        }
    }
}
