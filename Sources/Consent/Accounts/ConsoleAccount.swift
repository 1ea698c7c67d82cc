public import FacegateCore

/// A person who signs in to the web console (or an API client holding a token), as
/// the audit log names them: `console:NAME`.
public struct ConsoleAccount: Sendable, Equatable, Hashable {
    public var name: String
    public var role: ConsoleRole

    public init(name: String, role: ConsoleRole) {
        self.name = name
        self.role = role
    }

    /// The actor every audit entry of this account carries. The uid is outside the
    /// range of real accounts, so no operating-system check ever matches it.
    public var actor: OSUser { OSUser(uid: Self.consoleUID, gid: Self.consoleUID, name: "console:\(name)") }

    public static let consoleUID = UInt32.max - 1
}
