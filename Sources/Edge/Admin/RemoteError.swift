public import FacegateCore

/// An error the daemon reported: its code, message and exit status as the daemon
/// sent them, so the CLI exits with the status the same failure has in-process.
public struct RemoteError: Error, UserFacingError {
    public let errorCode: String
    public let message: String
    public let exitStatus: ExitStatus

    public init(json error: JSONValue) {
        errorCode = error["code"]?.stringValue ?? "unknown"
        message = error["message"]?.stringValue ?? "the daemon refused the request"
        exitStatus = ExitStatus(json: error) ?? .failure
    }
}
