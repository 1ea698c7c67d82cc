/// What a console account may do. Roles are fixed, not configurable: each maps to a
/// duty the GDPR names (door staff act on decisions, admins manage members and the
/// deny-list, the DPO answers for the processing but runs no biometric operation).
public enum ConsoleRole: String, Sendable, CaseIterable, Codable {
    /// Identify (names shown), the door view, record incidents.
    case staff
    /// Everything staff may, plus enrol, withdraw, erase and the deny-list's steps.
    case admin
    /// Exports, audit verification, the record of processing, subject access answers.
    case dpo

    /// The role `text` names, with an error that lists the roles.
    public init(parsing text: String) throws(ConsentError) {
        guard let role = ConsoleRole(rawValue: text) else {
            throw ConsentError(
                .invalidArgument, "unknown console role '\(text)'; use one of: \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = role
    }
}
