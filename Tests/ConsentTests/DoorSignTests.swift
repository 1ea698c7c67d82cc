import Consent
import FacegateTestSupport
import Foundation
import Testing

/// The sign for the door: generated from the policy, saying what the door does under
/// its trigger, refused while the controller is the shipped example.
@Suite("The door sign", .perTestLimit)
struct DoorSignTests {
    func policy(_ edit: @escaping (String) -> String = { $0 }) throws -> Policy {
        try ConsentFixture(edit: { edit(ConsentFixture.fillingInController($0)) }).policy
    }

    @Test("the sign names the controller, says only people who stop are processed, what a card does, why, what is kept and where to ask")
    func zone() throws {
        let sign = try DoorSign.markdown(try policy())
        for part in [
            "**Riverside Climbing Club Ltd**", "Only when you stop at the marked spot", "stay still for about half a second",
            "your face is not measured or compared", "Nothing about you is kept", "Recognise you at the entrance",
            "Explicit consent, GDPR Art. 9(2)(a)", "kept 365 days at most", "privacy@riverside-climbing.test",
            "dpo@riverside-climbing.test", "the Information Commissioner's Office", "version 2027-01",
        ] {
            #expect(sign.contains(part), "\(part)")
        }
        #expect(!sign.contains("{{") && !sign.contains("Example") && !sign.contains("DRAFT") && !sign.contains("barred"))
    }

    @Test("under claim the sign says a card is needed; with the deny-list on it says staff may be alerted, and who decides")
    func claimAndDenyList() throws {
        let sign = try DoorSign.markdown(
            try policy {
                $0.replacingOccurrences(of: "trigger = \"zone\"", with: "trigger = \"claim\"")
                    .replacingOccurrences(of: "enabled = false", with: "enabled = true")
                    .replacingOccurrences(of: "dpia_reference = \"\"", with: "dpia_reference = \"DPIA-2026-004\"")
            })
        #expect(sign.contains("Only when you present a membership card") && !sign.contains("Showing your card?"))
        #expect(sign.contains("Staff may be alerted") && sign.contains("never by the device"))
    }

    @Test("a policy still naming the example venue is refused, naming the keys; a draft is marked as one")
    func refusesTheExample() throws {
        let example = try ConsentFixture().policy
        let error = #expect(throws: ConsentError.self) { try DoorSign.markdown(example) }
        #expect(error?.message.contains("[controller] name") == true && error?.message.contains("--draft") == true)
        let draft = try DoorSign.markdown(example, draft: true)
        #expect(draft.hasPrefix("> DRAFT") && draft.contains("Example Venue Ltd"))
    }
}
