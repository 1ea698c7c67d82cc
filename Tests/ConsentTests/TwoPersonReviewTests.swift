import Consent
import FacegateTestSupport
import Testing

/// What the DPO is shown about the accounts behind one deny-list decision: when two
/// accounts may be one person.
@Suite("Two-person review", .perTestLimit)
struct TwoPersonReviewTests {
    static let day = 86_400.0
    static let origins: [String: ConsoleAccountOrigin] = [
        "ana": ConsoleAccountOrigin(person: "Ana Díaz", createdBy: "root", createdAt: 1_000),
        "ben": ConsoleAccountOrigin(person: "Ben Okafor", createdBy: "root", createdAt: 1_300),
        "cy": ConsoleAccountOrigin(person: "Cy Park", createdBy: "venue-admin", createdAt: 1_000 + 40 * day),
        "ana2": ConsoleAccountOrigin(person: "ana díaz", createdBy: "venue-admin", createdAt: 1_000 + 90 * day),
        "old": ConsoleAccountOrigin(person: "", createdBy: "", createdAt: 0),
    ]

    @Test("two accounts made by one OS user minutes apart are flagged; accounts made by others months apart are not")
    func sameMakerCloseTogether() {
        let findings = TwoPersonReview.findings(actors: ["console:ana", "console:ben"], origins: Self.origins)
        #expect(findings.contains("console:ana and console:ben were both made by the OS user root"))
        #expect(findings.contains("console:ana and console:ben were made 5 minutes apart"))
        #expect(TwoPersonReview.findings(actors: ["console:ana", "console:cy"], origins: Self.origins).isEmpty)
        #expect(TwoPersonReview.findings(actors: ["alice", "bob", "rule:violence"], origins: Self.origins).isEmpty, "OS users are people")
    }

    @Test("the same person twice, an account made by someone who also took part, and accounts of unknown origin are flagged")
    func otherFindings() {
        #expect(
            TwoPersonReview.findings(actors: ["console:ana", "console:ana2"], origins: Self.origins) == [
                "console:ana and console:ana2 are both for Ana Díaz"
            ])
        #expect(
            TwoPersonReview.findings(actors: ["root", "console:ana"], origins: Self.origins) == [
                "console:ana was made by root, who also took part"
            ])
        #expect(
            TwoPersonReview.findings(actors: ["console:old", "console:gone"], origins: Self.origins) == [
                "console:old is bound to no named person (made before accounts were)",
                "console:gone no longer exists: who it was for cannot be checked",
            ])
    }
}
