import FacegateCore
import Synchronization

/// Browsers that signed in to an account before, by a random cookie (`fg_device`) the
/// console set then: the sign-in throttle does not hold them by the account's run from
/// all addresses (`LoginThrottle`), so someone guessing an admin's password from
/// elsewhere cannot keep the admin out of their own console. In memory, bounded: a
/// restart forgets them, which only brings the account-wide run back.
final class KnownDevices: Sendable {
    static let cookie = "fg_device"
    /// How long a browser is remembered: a season of shifts.
    static let maximumAgeSeconds = 90 * 86_400
    static let maximumEntries = 10_000

    private let devices = Mutex<(byToken: [String: String], order: [String])>(([:], []))

    /// A new token for a browser that just signed in to `account`.
    func remember(_ account: String) -> String {
        let token = RandomToken.hex(32)
        devices.withLock { devices in
            devices.byToken[token] = account
            devices.order.append(token)
            while devices.order.count > Self.maximumEntries {
                devices.byToken[devices.order.removeFirst()] = nil
            }
        }
        return token
    }

    /// Whether `token` (a request's cookie) is a browser that signed in to `account`.
    func isKnown(_ token: String?, for account: String) -> Bool {
        guard let token else { return false }
        return devices.withLock { $0.byToken[token] == account }
    }
}
