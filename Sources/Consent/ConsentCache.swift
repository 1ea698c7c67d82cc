import Synchronization
import Vault

/// What the door asks at every decision, kept in memory: the consent in force per
/// subject and the deny-list entries in force. Rebuilt from the database at open and
/// kept in step by every change (and every erasure, whoever made it).
final class ConsentCache: Sendable {
    private let consents = Mutex<[SubjectID: ConsentRegistry.ActiveConsent]>([:])
    private let denyList = Mutex<[SubjectID: (entry: String, reviewAt: Double)]>([:])

    func consent(of subject: SubjectID) -> ConsentRegistry.ActiveConsent? {
        consents.withLock { $0[subject] }
    }

    /// The consent of a subject that is in force at `time`: one past its expiry no
    /// longer counts, even before the sweep erases the subject.
    func consentInForce(of subject: SubjectID, at time: Double) -> ConsentRegistry.ActiveConsent? {
        consent(of: subject).flatMap { $0.expiresAt > time ? $0 : nil }
    }

    var allConsents: [SubjectID: ConsentRegistry.ActiveConsent] { consents.withLock { $0 } }

    func setConsent(_ consent: ConsentRegistry.ActiveConsent?, of subject: SubjectID) {
        consents.withLock { $0[subject] = consent }
    }

    func replaceConsents(_ all: [SubjectID: ConsentRegistry.ActiveConsent]) {
        consents.withLock { $0 = all }
    }

    func denyListEntry(of subject: SubjectID) -> (entry: String, reviewAt: Double)? {
        denyList.withLock { $0[subject] }
    }

    func setDenyListEntry(_ entry: (entry: String, reviewAt: Double)?, of subject: SubjectID) {
        denyList.withLock { $0[subject] = entry }
    }

    func replaceDenyList(_ all: [SubjectID: (entry: String, reviewAt: Double)]) {
        denyList.withLock { $0 = all }
    }

    /// An erased subject: nothing about them is left for the door.
    func forget(_ subject: SubjectID) {
        consents.withLock { _ = $0.removeValue(forKey: subject) }
        denyList.withLock { _ = $0.removeValue(forKey: subject) }
    }
}
