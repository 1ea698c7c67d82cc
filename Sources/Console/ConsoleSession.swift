public import Consent
import FacegateCore
import Logging

/// A signed-in browser: who, the CSRF token its forms carry, and when it ends. Held in
/// the daemon's memory only: a restart signs everyone out, and no session secret is on
/// the disk.
public struct ConsoleSession: Sendable, Equatable {
    /// The cookie's value (32 random bytes, hex).
    public let id: String
    public let account: ConsoleAccount
    /// Sent back by every form and by API calls made with the cookie (`X-CSRF-Token`).
    public let csrf: String
    public let created: Double
    public var lastSeen: Double
}
