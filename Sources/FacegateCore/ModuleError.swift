/// The codes of one module's failures: stable snake_case raw values, each with the
/// exit status it ends a command with (in-process and through the admin socket).
public protocol ErrorCode: RawRepresentable<String>, CaseIterable, Sendable {
    var exitStatus: ExitStatus { get }
}

/// A module's error: a code from its own list and a message. The error's public
/// contract (`errorCode`, `exitStatus`) is derived from the code here, once; each
/// module keeps its initialiser internal, so only it raises its errors.
public protocol ModuleError: UserFacingError, Sendable {
    associatedtype Code: ErrorCode
    var code: Code { get }
}

extension ModuleError {
    public var errorCode: String { code.rawValue }
    public var exitStatus: ExitStatus { code.exitStatus }
}
