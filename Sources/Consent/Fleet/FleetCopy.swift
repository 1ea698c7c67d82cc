public import FacegateCore
public import Vault

/// Everything another door of the fleet needs to recognise a subject: the pseudonym,
/// the profile, the templates and the consent in force. It exists in memory only
/// while it is sealed for the hub or adopted from it.
public struct FleetCopy: Sendable {
    public var subject: SubjectID
    public var profile: SubjectProfile
    public var descriptors: [FaceDescriptor]
    public var consent: ConsentRecord
    /// The card number the venue's access panel knows the member by, issued by the
    /// door that enrolled them (absent in copies from doors without a panel).
    public var panelCredential: PanelCredential?

    public init(
        subject: SubjectID, profile: SubjectProfile, descriptors: [FaceDescriptor], consent: ConsentRecord,
        panelCredential: PanelCredential? = nil
    ) {
        self.subject = subject
        self.profile = profile
        self.descriptors = descriptors
        self.consent = consent
        self.panelCredential = panelCredential
    }
}
