/// An error a person can act on: a stable machine-readable code, a message that names
/// the thing that is wrong and what to do, and the process exit status it maps to.
///
/// Messages never contain personal data or face data: no names, no descriptors.
public protocol UserFacingError: Error, CustomStringConvertible {
    /// A stable snake_case code, as printed in JSON output and socket replies.
    var errorCode: String { get }
    var message: String { get }
    var exitStatus: ExitStatus { get }
}

extension UserFacingError {
    public var description: String { message }

    /// `{"code":"…","message":"…","exit":N}`: the exit status travels with the error,
    /// so a command run through the daemon exits as it would have in-process.
    public var json: JSONValue {
        ["code": .string(errorCode), "message": .string(message), "exit": .int(Int(exitStatus.rawValue))]
    }
}

/// Process exit statuses, after BSD sysexits so that scripts can tell failures apart.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// The status a JSON error object carries (`"exit"`), if it is one of these.
    public init?(json error: JSONValue) {
        guard let value = error["exit"]?.intValue, let status = ExitStatus(rawValue: Int32(value)) else { return nil }
        self = status
    }

    case success = 0
    /// Something went wrong that none of the others describes.
    case failure = 1
    /// Some inputs of a batch failed, others succeeded.
    case partialFailure = 2
    case usage = 64
    /// Input data was wrong (an image that does not decode, a record that does not verify).
    case dataError = 65
    /// An input file does not exist.
    case noInput = 66
    /// A subject or record asked for does not exist.
    case notFound = 67
    /// A required service (the daemon, the camera) is unavailable.
    case unavailable = 69
    case software = 70
    /// Reading or writing a file failed (a full disk, an I/O error).
    case ioError = 74
    /// A temporary failure: try again.
    case temporaryFailure = 75
    /// The caller is not allowed to do this.
    case noPermission = 77
    /// Configuration is wrong: a policy key, a model file, a key file.
    case configuration = 78
}

/// An error no module turned into a `UserFacingError` (a bug, or a library failure
/// nobody anticipated): code `internal`, exit status 70, the same in-process and
/// through the admin socket.
public struct UnexpectedError: Error, UserFacingError {
    public let message: String

    public init(_ error: any Error) {
        message = "an unexpected error: \(error); please report it with the command that caused it"
    }

    public var errorCode: String { "internal" }
    public var exitStatus: ExitStatus { .software }
}
