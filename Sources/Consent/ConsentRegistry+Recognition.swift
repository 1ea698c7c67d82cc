import Vault

extension ConsentRegistry {
    /// The door's rule for the gallery as it is now (`RecognitionRule`): derived again
    /// as soon as a member is enrolled or erased, or the policy reloaded, since the
    /// gallery's size is read at every call.
    public var recognitionRule: RecognitionRule {
        recognitionRules.rule(for: policy.recognition, members: vault.gallery.subjectCount)
    }

    /// The rule the gallery would have with `members` members (doctor's outlook, the
    /// enrolment's duplicate check after the enrolment).
    public func recognitionRule(members: Int) -> RecognitionRule {
        recognitionRules.rule(for: policy.recognition, members: members)
    }

    /// The distance below which enrolment refuses a face as already enrolled
    /// (`RecognitionCalibration.duplicateThreshold`) for the gallery as it is now, at
    /// most the policy's threshold: a face the door would not take for the member is
    /// not theirs either.
    public var duplicateThreshold: Double {
        min(policy.recognition.threshold, recognitionRules.calibration.duplicateThreshold(members: vault.gallery.subjectCount))
    }
}
