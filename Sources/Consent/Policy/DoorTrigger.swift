/// Who the door processes: only the people who ask. The policy's
/// `[recognition] trigger` names one; the record of processing and every subject's
/// access answer say which is in force, in these words.
///
/// EDPB guidelines 3/2019 §5 and the CNIL's model regulation for biometric access
/// control ask that biometric processing at an entrance touch only the people who
/// chose it: `zone` and `claim` make the person act (step up to a marked spot,
/// present a card); `always` compares everyone the camera sees and so needs a DPIA
/// of its own.
public enum DoorTrigger: String, Sendable, Equatable, CaseIterable {
    /// A face is aligned and embedded only when it is inside the door zone, large
    /// enough (close to the camera), and has stopped there: still, and no longer
    /// growing, for about half a second (`DoorGate`).
    case zone
    /// 1:1 verification: a card (badge, QR code, PIN) says who the person claims to
    /// be, and the next face in the zone is compared with that subject's templates
    /// only; the gallery is never searched.
    case claim
    /// Every face wider than `min_face_px` anywhere in the frame is searched against
    /// the gallery. Allowed only with the policy's `dpia_reference`.
    case always

    /// What the trigger means, for the record of processing and the Art. 15 answer.
    public var meaning: String {
        switch self {
        case .zone:
            "Only a person who stops at the marked spot at the door is processed: a face is compared with the enrolled members only when it is inside the door zone, close to the camera, and has stayed still there, no longer coming closer, for about half a second. Someone walking towards the door, along it or past it, queueing behind, or standing elsewhere in the picture is detected so that the camera can tell people apart, but is never measured, compared or recorded. A card shown at the door makes that entry the card's: the face at the spot, or, if nobody is there yet, the first to step up within 5 seconds, is not compared from then on, and not at all if the card is shown before its owner has stood still for half a second."
        case .claim:
            "Only a person who presents a membership card is processed: the face in front of the camera is compared with the templates of the card's holder only (1:1 verification), never searched among the other members. Without a card, nobody's face is measured or compared."
        case .always:
            "Every face the camera sees close enough to the door is measured and compared with the enrolled members (1:N identification), whether or not the person asked. This is a different and wider processing, justified by the data-protection impact assessment named here."
        }
    }
}
