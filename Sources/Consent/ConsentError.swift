public import FacegateCore

/// Why a consent, retention, audit or policy operation failed; messages name the
/// key, record or entry and say what to do, and never contain personal data.
public struct ConsentError: Error, Sendable, Equatable, ModuleError {
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The policy file is malformed or fails validation.
        case invalidPolicy = "invalid_policy"
        /// The record of processing would name empty or placeholder Art. 30 fields
        /// (exported only as a draft until the policy fills them).
        case recordOfProcessingIncomplete = "record_of_processing_incomplete"
        /// No valid consent for what was asked (enrolment without a record, an unknown notice or purpose).
        case consentRequired = "consent_required"
        /// An enrolment image was refused (no face, another subject's face, ...).
        case enrolmentRefused = "enrolment_refused"
        /// No such subject, record or entry.
        case notFound = "not_found"
        /// An argument is malformed.
        case invalidArgument = "invalid_argument"
        /// An audit chain or signature does not verify.
        case verificationFailed = "verification_failed"
        /// The caller may not do this.
        case notPermitted = "not_permitted"
        /// The deny-list is disabled, or the request breaks its governance rules.
        case denyListRefused = "denylist_refused"
        /// Something else about the request conflicts with what is stored.
        case conflict = "conflict"
        /// A stored record that cannot be read (a value of the wrong type): reported by
        /// `audit check` as a breach event, never a crash.
        case damagedRecord = "damaged_record"
    }

    public let code: Code
    public let message: String

    /// Only this module raises its errors: another module's failure is its own error.
    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

extension ConsentError.Code: ErrorCode {
    /// The exit status a failure of this kind ends a command with, in-process or
    /// through the admin socket.
    public var exitStatus: ExitStatus {
        switch self {
        case .invalidPolicy, .recordOfProcessingIncomplete: .configuration
        case .consentRequired, .enrolmentRefused, .verificationFailed, .damagedRecord: .dataError
        case .notFound: .notFound
        case .invalidArgument: .usage
        case .notPermitted: .noPermission
        case .denyListRefused, .conflict: .failure
        }
    }
}
