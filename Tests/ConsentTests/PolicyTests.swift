import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import Testing
import Vault

@Suite("Policy loading and validation")
struct PolicyTests {
    func load(_ edit: @escaping (String) -> String) throws -> Policy {
        try ConsentFixture(edit: edit).policy
    }

    @Test("the default policy loads with privacy-protective defaults")
    func defaults() throws {
        let policy = try load { $0 }
        #expect(policy.recognition.threshold == 0.6)
        #expect(policy.retention.templateDays == 365)
        #expect(policy.retention.accessEventDays == 180)
        #expect(policy.denyList.enabled == false)
        #expect(policy.denyList.isActive == false)
        #expect(policy.notices.count == 1)
        #expect(policy.notices[0].sha256.count == 64)
        #expect(Set(policy.purposes.map(\.id)) == ["entry", "attendance-analytics", "offers"])
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
                text.replacingOccurrences(
                    of:
                        "[[notices]]\nversion = \"2026-01\"\nfile = \"notices/membership-2026-01.md\"\npurposes = [\"entry\", \"attendance-analytics\", \"offers\"]\n",
                    with: "")
            }
        }
    }
}
