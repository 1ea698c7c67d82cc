import FacegateCore
import GRDB
public import Vault

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

    /// The members an admin confirmed `subject` is not, at its enrolment (`enrol
    /// --different-from`, audited as `enrol.duplicate_overridden`): the fleet's duplicate
    /// check leaves them out, as the door's own check did.
    public func confirmedDifferent(from subject: SubjectID) throws -> Set<String> {
        let details = try vault.read { db in
            try String.fetchAll(db, sql: "SELECT details FROM audit_entry WHERE action = 'enrol.duplicate_overridden'")
        }
        return Set(
            details.compactMap { text in
                guard let entry = try? JSONParser.parse(text), entry["subject"]?.stringValue == subject.rawValue else { return nil }
                return entry["different_from"]?.stringValue
            })
    }
}
