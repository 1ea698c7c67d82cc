/// A risk to the people at the door that the DPIA draft (`facegate export dpia`)
/// names, with what facegate does against it and the privacy requirements whose tests
/// prove it (`docs/PRIVACY.md`, by number). Likelihood and severity are the
/// controller's to assess: the draft leaves them open.
public struct PrivacyRisk: Sendable, Equatable {
    public var id: String
    public var risk: String
    public var measures: [String]
    /// The numbers of `docs/PRIVACY.md`'s rows whose tests prove the measures.
    public var requirements: [Int]

    /// The risks of face recognition at an entrance, as the EDPB's guidelines 3/2019
    /// and the CNIL's model regulation list them, and facegate's answer to each.
    public static let catalogue: [PrivacyRisk] = [
        PrivacyRisk(
            id: "false_match",
            risk:
                "A false match: a stranger let in as a member, or a member flagged by mistake (worse for some groups of people if the model is less accurate for them).",
            measures: [
                "a threshold (0.6, dlib's own) and a margin between the two nearest members, so that look-alikes give no decision rather than a wrong one",
                "a vote over several frames before any decision",
                "card-and-face claims compare with the card holder only (1:1), far fewer false accepts than a search of everyone (`facegate evaluate --open-set`)",
                "a deny-list match is only an alert that a person confirms; nobody is refused by the device",
            ],
            requirements: [3, 19]),
        PrivacyRisk(
            id: "bystanders",
            risk: "Processing people who did not ask: passers-by, people queueing, staff, anyone in the picture.",
            measures: [
                "only a face standing still in the door zone, close to the camera, is measured (or, with cards, only the card holder's)",
                "faces too small or elsewhere are never aligned, measured or compared; an unknown face leaves nothing but a daily count",
                "no image or face crop is ever written, not even temporarily",
            ],
            requirements: [1, 2, 20]),
        PrivacyRisk(
            id: "function_creep",
            risk:
                "Function creep: templates, visits or decisions used for purposes people did not agree to (marketing, tracking, sharing).",
            measures: [
                "every template is bound to a consent record naming its purposes and notice; visits are kept only with consent to analytics",
                "the access answer tells each person what is held and why; exports are audited",
                "decision events go to a journal kept no longer than the policy keeps visits",
            ],
            requirements: [4, 14, 15, 27]),
        PrivacyRisk(
            id: "breach",
            risk: "A breach: a stolen device, database or backup read by someone else.",
            measures: [
                "templates and personal fields encrypted per person (XChaCha20-Poly1305), keys wrapped by a device key kept out of the database",
                "secure delete and a truncated write-ahead log; no core dumps; no swap",
                "integrity checks raise breach events naming the people affected",
            ],
            requirements: [6, 7, 8, 9, 10, 24, 25]),
        PrivacyRisk(
            id: "erasure_fails",
            risk: "An erasure or withdrawal that does not reach every copy: a restored backup, a crash halfway, another process.",
            measures: [
                "erasure destroys the person's key at once (crypto-shredding), through one journaled path that a crash resumes",
                "a restored backup re-applies every erasure made since; backups expire",
            ],
            requirements: [5, 6, 13, 23, 26]),
        PrivacyRisk(
            id: "deny_list_misuse",
            risk: "Misuse of the deny-list: people barred on one person's word, for ever, or without knowing.",
            measures: [
                "off unless the policy enables it with a DPIA reference",
                "every entry needs a reason, evidence and the approval of distinct admins other than its proposer, and lapses at its review date",
                "a match is an alert a person decides; the access answer shows a person's entries",
            ],
            requirements: [17, 18, 19]),
        PrivacyRisk(
            id: "over_retention",
            risk: "Keeping data longer than needed: templates of people who left, old visit logs.",
            measures: [
                "templates expire with their consent; visits and counters are swept after the policy's periods, every sweep audited"
            ],
            requirements: [11]),
        PrivacyRisk(
            id: "unauthorised_access",
            risk: "Unauthorised or unaccountable access by staff or other accounts on the device.",
            measures: [
                "administration only through a local socket that identifies each caller's account; others are refused",
                "every request and every refusal audited in a hash chain with signed checkpoints the DPO verifies offline",
            ],
            requirements: [12, 21]),
    ]
}
