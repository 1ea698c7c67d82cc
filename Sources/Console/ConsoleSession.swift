public import Consent
import FacegateCore
import Logging

/// A signed-in browser: who, the CSRF token its forms carry, and when it ends. Held in
/// the daemon's memory only: a restart signs everyone out, and no session secret is on
/// the disk.
///
/// It names its account and the account's stamp at sign-in, not a role: the role is
/// read from the account at every request, and a session whose stamp no longer matches
/// (a new password, a new role, the account removed or added again) is over.
public struct ConsoleSession: Sendable, Equatable {
    /// The cookie's value (32 random bytes, hex).
    public let id: String
    public let accountName: String
    /// The account's stamp when this session was opened (`ConsoleAccountStanding`).
    public let stamp: String
    /// Sent back by every form and by API calls made with the cookie (`X-CSRF-Token`).
    public let csrf: String
    public let created: Double
    public var lastSeen: Double
}
