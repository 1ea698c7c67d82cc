public import FacegateCore

/// Why an appliance operation refused, when the refusal is the operation's own (the
/// faces in the photos, the caller's rights) rather than a record's or a file's.
/// Codes and statuses are those the same refusals have elsewhere (`ExitStatusTests`
/// holds every module to one status per code).
public struct OperationError: Error, Sendable, Equatable, ModuleError {
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The photos cannot enrol anyone: no face, two people, a face already enrolled.
        case enrolmentRefused = "enrolment_refused"
        /// A request that cannot be carried out as given (no photo).
        case invalidArgument = "invalid_argument"
        /// The caller may not do this (names are for admins).
        case notPermitted = "not_permitted"
        /// A door operation (a claim, a card entry) with no door running.
        case doorNotRunning = "door_not_running"
        /// A claim while the policy's trigger is not `claim`.
        case claimsOff = "claims_off"
        /// A card no member (with recognition consent in force) holds.
        case unknownCard = "unknown_card"
        /// A policy change the running daemon applies only at start.
        case restartRequired = "restart_required"
        /// A photo of more pixels than enrolment and identification take (`PixelBudget`).
        case photoTooLarge = "photo_too_large"
        /// The photos in flight hold all the memory they may: send again shortly.
        case busy = "busy"
        /// A secret the policy needs (a systemd credential) did not reach the daemon.
        case credentialMissing = "credential_missing"
    }

    public let code: Code
    public let message: String

    /// Only this module raises its errors: another module's failure is its own error.
    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

extension OperationError.Code: ErrorCode {
    /// The exit status a failure of this kind ends a command with, in-process or
    /// through the admin socket.
    public var exitStatus: ExitStatus {
        switch self {
        case .enrolmentRefused: .dataError
        case .invalidArgument: .usage
        case .notPermitted: .noPermission
        case .doorNotRunning: .unavailable
        case .claimsOff: .configuration
        case .unknownCard: .notFound
        case .restartRequired: .configuration
        case .photoTooLarge: .dataError
        case .busy: .temporaryFailure
        case .credentialMissing: .configuration
        }
    }
}
