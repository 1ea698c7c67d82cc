import FacegateCore

/// A failure of the command line's own making (a file it was given, an argument it
/// parsed, an export it could not write), with the code and status the same failure
/// has where a module raises it. The modules' errors are theirs alone.
struct CommandError: Error, UserFacingError {
    enum Code: String {
        /// An argument cannot be used (a backup destination that exists, a bad key).
        case invalidArgument = "invalid_argument"
        /// A file the command was given cannot be read.
        case notFound = "not_found"
        /// A photo holds no face where one is needed.
        case invalidImage = "invalid_image"
        /// An export could not be written.
        case exportFailed = "export_failed"
    }

    let code: Code
    let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    var errorCode: String { code.rawValue }

    var exitStatus: ExitStatus {
        switch code {
        case .invalidArgument: .usage
        case .notFound: .notFound
        case .invalidImage: .dataError
        case .exportFailed: .ioError
        }
    }
}
