import FacegateCore
import Logging
import Synchronization

/// Slows password guessing: an account is locked for `lockout` seconds after
/// `attempts` wrong passwords in a row, and a client address after four times as many
/// failures (whatever the names it tried) within the same span. In memory: a restart
/// forgets, which an attacker cannot cause from the network.
final class LoginThrottle: Sendable {
    private struct Failures {
        var count = 0
        var first = 0.0
        var lockedUntil = 0.0
    }

    /// Beyond this many names (or addresses), stale entries are dropped.
    static let maximumEntries = 10_000
    private let byAccount = Mutex<[String: Failures]>([:])
    private let byClient = Mutex<[String: Failures]>([:])
    let attempts: Int
    let lockout: Double
    let clock: any WallClock

    init(attempts: Int, lockoutSeconds: Double, clock: any WallClock) {
        self.attempts = attempts
        self.lockout = lockoutSeconds
        self.clock = clock
    }

    /// Seconds until `name` or `client` may try again, or nil when they may now.
    func wait(name: String, client: String) -> Double? {
        let now = clock.now()
        let until = max(
            byAccount.withLock { $0[name]?.lockedUntil ?? 0 },
            byClient.withLock { $0[client]?.lockedUntil ?? 0 })
        return until > now ? until - now : nil
    }

    /// Counts a wrong password; true when it locked the account or the client.
    func failed(name: String, client: String) -> Bool {
        let now = clock.now()
        let account = Self.count(byAccount, key: name, limit: attempts, lockout: lockout, now: now)
        let address = Self.count(byClient, key: client, limit: attempts * 4, lockout: lockout, now: now)
        return account || address
    }

    /// A right password clears the account's run of failures (not the client's).
    func succeeded(name: String) {
        _ = byAccount.withLock { $0.removeValue(forKey: name) }
    }

    private static func count(
        _ table: borrowing Mutex<[String: Failures]>, key: String, limit: Int, lockout: Double, now: Double,
        maximumEntries: Int = LoginThrottle.maximumEntries
    ) -> Bool {
        table.withLock { table in
            // Names and addresses tried long ago are forgotten, so that guessing many
            // names cannot grow the table without bound.
            if table.count >= maximumEntries {
                table = table.filter { now - $0.value.first <= lockout || $0.value.lockedUntil > now }
            }
            var entry = table[key] ?? Failures()
            if now - entry.first > lockout { entry = Failures(count: 0, first: now) }
            entry.count += 1
            var locked = false
            if entry.count >= limit {
                entry.lockedUntil = now + lockout
                entry.count = 0
                entry.first = now
                locked = true
            }
            table[key] = entry
            return locked
        }
    }
}
