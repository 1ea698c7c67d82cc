public import FacegateCore

/// Why a clip could not be written (`make-clip`): a bad size, a file that exists or
/// cannot be created, a write that failed. Messages name the file.
public struct ClipError: Error, Sendable, Equatable, ModuleError {
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The size or frame rate cannot make a clip, or a frame does not fit it.
        case invalidArgument = "invalid_argument"
        /// The clip file could not be created or written.
        case writeFailed = "write_failed"
    }

    public let code: Code
    public let message: String

    /// Only this module raises its errors: another module's failure is its own error.
    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

extension ClipError.Code: ErrorCode {
    /// The exit status a failure of this kind ends a command with.
    public var exitStatus: ExitStatus {
        switch self {
        case .invalidArgument: .usage
        case .writeFailed: .ioError
        }
    }
}
