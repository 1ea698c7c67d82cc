/// One line of `facegate console user list`: an account, never its password hash.
public struct ConsoleAccountListing: Sendable, Equatable {
    public var name: String
    public var role: ConsoleRole
    /// When the account was added (seconds since 1970).
    public var createdAt: Double
    /// The person it is for and the OS user who created it.
    public var origin: ConsoleAccountOrigin
    /// The ids of its tokens that are not revoked (never the tokens themselves), so
    /// that an admin can revoke one without removing the account.
    public var liveTokenIDs: [String]

    public init(name: String, role: ConsoleRole, origin: ConsoleAccountOrigin, liveTokenIDs: [String]) {
        self.name = name
        self.role = role
        self.createdAt = origin.createdAt
        self.origin = origin
        self.liveTokenIDs = liveTokenIDs
    }

    /// How many bearer tokens of this account still open the console's API.
    public var liveTokens: Int { liveTokenIDs.count }
}
