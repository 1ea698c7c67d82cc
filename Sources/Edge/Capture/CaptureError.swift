public import FacegateCore

/// Why a frame source failed, with what to do.
public struct CaptureError: Error, Sendable, Equatable, ModuleError {
    public enum Code: String, Sendable, CaseIterable {
        case notFound = "source_not_found"
        case busy = "source_busy"
        case unsupported = "source_unsupported"
        case malformed = "source_malformed"
        case disconnected = "source_disconnected"
        case invalidArgument = "invalid_source"
        /// An IP camera refused the credentials, or asked for some that were not given.
        case unauthorized = "source_unauthorized"
    }

    public let code: Code
    public let message: String

    /// Only this module raises its errors: another module's failure is its own error.
    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

extension CaptureError.Code: ErrorCode {
    /// The exit status a failure of this kind ends a command with, in-process or
    /// through the admin socket.
    public var exitStatus: ExitStatus {
        switch self {
        case .notFound, .disconnected: .unavailable
        case .busy: .temporaryFailure
        case .unsupported, .malformed: .dataError
        case .invalidArgument: .usage
        case .unauthorized: .configuration
        }
    }
}
