public import Consent
public import FacegateCore

/// Who asks for an operation, as the front door they came through knows them: an
/// operating-system account (the CLI in-process, the admin socket) or a console
/// account (the web console and its API). What they may run is decided here, once,
/// for every door (`ApplianceOperations.mayRun`).
public enum Caller: Sendable, Equatable {
    case user(OSUser)
    case console(ConsoleAccount)

    /// How the audit log names them (`console:NAME` for a console account).
    public var actor: OSUser {
        switch self {
        case .user(let user): user
        case .console(let account): account.actor
        }
    }
}
