/// The sign for the door, generated from the policy as the notice's controller is: what
/// the camera does, who is responsible, why, when a face is processed and where to ask.
/// Art. 13 asks for the information "at the time when personal data are obtained": for
/// someone walking up to the door that is this sign, before any notice is read, so it
/// says what the door does under the policy in force (the trigger, the card, the
/// deny-list if it is on), in short sentences, and points to the full notice.
///
/// Like the record of processing, it refuses a policy whose controller is still the
/// shipped example (`draft` prints it anyway, marked as a draft): a sign naming no one
/// would be worse than none.
public enum DoorSign {
    /// The sign in Markdown (print it, or paste it into the venue's sign layout).
    public static func markdown(_ policy: Policy, draft: Bool = false) throws -> String {
        let controller = policy.controller
        let unfilled = [
            ("controller.name", controller.name), ("controller.address", controller.address), ("controller.contact", controller.contact),
            ("controller.dpo_contact", controller.dpoContact),
            ("controller.supervisory_authority", controller.supervisoryAuthority),
        ].filter { Policy.isUnfilled($0.1) }.map { "[\($0.0.split(separator: ".")[0])] \($0.0.split(separator: ".")[1])" }
        if !unfilled.isEmpty && !draft {
            throw ConsentError(
                .invalidPolicy,
                "the door sign would name no one: fill in \(unfilled.joined(separator: ", ")) in \(policy.sourcePath), or ask for a draft (--draft)"
            )
        }
        var lines: [String] = []
        if draft { lines += ["> DRAFT: the controller below is still the policy's example; not for the door.", ""] }
        lines += [
            "# Face recognition at this door", "",
            "**\(controller.name)** uses a camera here to recognise members who asked to be let in by their face.", "",
            "## When your face is processed", "", whenProcessed(policy.recognition), "",
        ]
        if policy.recognition.trigger == .zone {
            lines += [
                "**Showing your card?** Then the entry is your card's: your face is not measured or compared.", "",
            ]
        }
        lines += [
            "**Not a member, or not signed up for this?** Nothing about you is kept: the device only counts its decisions each day.",
            "",
            "## Why", "",
        ]
        // The purpose the door exists for first, then the optional ones.
        let purposes =
            policy.purposes.filter { $0.id == policy.consent.requiredPurpose }
            + policy.purposes.filter { $0.id != policy.consent.requiredPurpose }
        lines += purposes.map { "- \($0.description) (\($0.legalBasis))." }
        lines += [
            "",
            "Members sign up at the desk, and can withdraw at any time, as easily. The card and the desk work as before.",
            "",
        ]
        if policy.denyList.isActive {
            lines += [
                "Staff may be alerted about a member the venue has barred after incidents (decided by two people, never by the device); a member of staff decides at the door.",
                "",
            ]
        }
        lines += [
            "## What is kept", "",
            "No photographs. For members only: an encrypted face template, kept \(Int(policy.retention.templateDays)) days at most and erased at once on withdrawal.",
            "",
            "## Ask, or read more", "",
            "- At the desk, or \(controller.contact).",
            "- Data-protection officer: \(controller.dpoContact).",
            "- The full notice: ask at the desk (version \(policy.notices.last?.version ?? "?")).",
            "- You may complain to \(controller.supervisoryAuthority).",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// When the door processes a face, under `recognition`'s trigger, in a sentence or two.
    static func whenProcessed(_ recognition: Policy.Recognition) -> String {
        switch recognition.trigger {
        case .zone:
            "Only when you stop at the marked spot, close to the camera, and stay still for about half a second. Walking up, past or along the door, queueing behind someone, or anywhere else in the picture, your face is not measured, compared or recorded."
        case .claim:
            "Only when you present a membership card: your face is then compared with that member's template only. Without a card, nobody's face is measured or compared."
        case .always:
            "Every face in view of the camera is compared with the members' templates (impact assessment \(recognition.dpiaReference)). Faces that match no member are not kept."
        }
    }
}
