public import FacegateCore

/// A protocol-level failure: a malformed or unknown request, a refused caller.
public struct AdminError: Error, Sendable, ModuleError {
    public enum Code: String, Sendable, CaseIterable {
        case invalidRequest = "invalid_request"
        case unknownCommand = "unknown_command"
        case notPermitted = "not_permitted"
        case unsupportedVersion = "unsupported_version"
        case tooLarge = "too_large"
        case busy = "busy"
        case unavailable = "unavailable"
        /// Another daemon already listens on the socket path.
        case socketInUse = "socket_in_use"
        /// The daemon reached serves another state directory than the caller meant.
        case otherStateDirectory = "other_state_directory"
    }

    public let code: Code
    public let message: String

    /// Only this module raises its errors: another module's failure is its own error.
    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

extension AdminError.Code: ErrorCode {
    /// The exit status a failure of this kind ends a command with, in-process or
    /// through the admin socket.
    public var exitStatus: ExitStatus {
        switch self {
        case .invalidRequest, .unknownCommand, .unsupportedVersion, .tooLarge: .usage
        case .notPermitted: .noPermission
        case .busy, .socketInUse: .temporaryFailure
        case .unavailable, .otherStateDirectory: .unavailable
        }
    }
}
