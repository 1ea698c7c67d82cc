public import FacegateCore

/// Why a face-engine operation failed, with a message that names the file or model
/// involved and says what to do. Never carries pixels, landmarks or descriptors.
public struct FaceEngineError: Error, Sendable, Equatable, ModuleError, CustomStringConvertible {
    /// What kind of failure this is; the CLI maps it to an exit code.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// An input file does not exist.
        case fileNotFound = "file_not_found"
        /// An input file exists but cannot be read (permissions, a directory, an I/O error).
        case unreadableFile = "unreadable_file"
        /// The file is empty, truncated, not a JPEG/PNG, or otherwise undecodable.
        case invalidImage = "invalid_image"
        /// The image header claims more pixels than the configured limit.
        case imageTooLarge = "image_too_large"
        /// A model file is missing, unreadable or of the wrong kind.
        case invalidModel = "invalid_model"
        /// An argument is out of range.
        case invalidArgument = "invalid_argument"
        /// Memory ran out.
        case outOfMemory = "out_of_memory"
        /// dlib failed in a way none of the above describes.
        case internalFailure = "internal"
    }

    public let code: Code
    public let message: String

    /// Only this module raises its errors: another module's failure is its own error.
    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension FaceEngineError.Code: ErrorCode {
    /// The exit status a failure of this kind ends a command with, in-process or
    /// through the admin socket.
    public var exitStatus: ExitStatus {
        switch self {
        case .fileNotFound: .noInput
        case .unreadableFile: .ioError
        case .invalidImage, .imageTooLarge: .dataError
        case .invalidModel: .configuration
        case .invalidArgument: .usage
        case .outOfMemory, .internalFailure: .software
        }
    }
}
