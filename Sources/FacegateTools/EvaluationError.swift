public import FacegateCore

/// Why an evaluation could not run: a pair or label list that is missing or
/// malformed, or a result file that could not be written. Messages name the file and
/// the line, never a person or a descriptor.
public struct EvaluationError: Error, Sendable, Equatable, ModuleError {
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// A line of a pair or label list does not have the expected fields.
        case malformedList = "malformed_list"
        /// The list parsed but holds nothing to evaluate.
        case noPairs = "no_pairs"
        /// The list file does not exist.
        case fileNotFound = "file_not_found"
        /// The list file exists but cannot be read.
        case unreadableFile = "unreadable_file"
        /// A result file (the ROC curve) could not be written.
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

extension EvaluationError.Code: ErrorCode {
    /// The exit status a failure of this kind ends a command with, in-process or
    /// through the admin socket.
    public var exitStatus: ExitStatus {
        switch self {
        case .malformedList, .noPairs: .dataError
        case .fileNotFound: .noInput
        case .unreadableFile, .writeFailed: .ioError
        }
    }
}
