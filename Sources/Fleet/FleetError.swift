public import FacegateCore

/// Why a fleet operation failed. Messages name the hub (as `HubAddress.description`,
/// never a password), the door or the file, and what to do; never a name, a template
/// or a join token.
public struct FleetError: Error, Sendable, Equatable, ModuleError {
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The hub's address is malformed or carries a password.
        case invalidAddress = "invalid_address"
        /// The hub did not answer (down, unreachable, a partition).
        case hubUnavailable = "hub_unavailable"
        /// The hub refused the sign-in or the query.
        case hubRefused = "hub_refused"
        /// The hub holds no fleet yet, or already holds one (`fleet init`).
        case fleetState = "fleet_state"
        /// This door's fleet key is not the one the fleet's data is sealed with.
        case wrongFleetKey = "wrong_fleet_key"
        /// The join token is unknown, used or expired.
        case invalidToken = "invalid_token"
        /// This door has not joined a fleet, or has already joined one.
        case membership = "membership"
        /// The door's fleet file could not be read or written.
        case storageFailure = "storage_failure"
        /// A copy from the hub did not open with the fleet key: altered or misplaced.
        case integrityFailure = "integrity_failure"
    }

    public let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

extension FleetError.Code: ErrorCode {
    public var exitStatus: ExitStatus {
        switch self {
        case .invalidAddress: .usage
        case .hubUnavailable: .unavailable
        case .hubRefused, .fleetState, .wrongFleetKey, .membership: .configuration
        case .invalidToken: .noPermission
        case .storageFailure: .ioError
        case .integrityFailure: .dataError
        }
    }
}
