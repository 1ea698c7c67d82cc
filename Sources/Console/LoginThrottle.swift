public import FacegateCore
import Logging
import Synchronization

/// Slows password guessing without letting a guesser lock anyone else out.
///
/// Two limits, each with its own run of failures: an account from one address
/// (`attempts` free tries, the policy's `login_attempts`), and an account from
/// anywhere (four times as many, against guessing spread over many addresses). Past a
/// limit, each further try waits a delay that doubles with every failure, from
/// `firstDelay` up to `maximumDelay` (the policy's `lockout_minutes`). There is no
/// limit per address alone: a venue's staff often share one (the documented SSH
/// tunnel, a kiosk browser, a reverse proxy), and one person's typing slips, or an
/// attacker on that address, must not keep the others out.
///
/// An attempt is counted when it starts, not when its Argon2 check ends: `begin`
/// reserves a try against both limits before the password is checked, so guesses sent
/// all at once get no more checks than guesses sent one after another. `failed`,
/// `succeeded` or `abandoned` settles the reservation.
///
/// In memory: a restart forgets, which an attacker cannot cause from the network.
public final class LoginThrottle: Sendable {
    /// A try reserved by `begin`, settled by exactly one of `failed`, `succeeded`, `abandoned`.
    public struct Ticket: Sendable {
        fileprivate let keys: [Key]
    }

    fileprivate struct Key: Hashable, Sendable {
        var account: String
        /// Nil for the account's limit from anywhere.
        var client: String?
    }

    private struct Run {
        var failures = 0
        var inFlight = 0
        var lastFailure = 0.0
        var nextAllowed = 0.0
    }

    /// Beyond this many runs, settled runs that are no longer delaying anyone are dropped,
    /// so that guessing many names cannot grow the table without bound.
    public static let maximumEntries = 10_000
    /// A run with no failure for this long is forgotten: yesterday's typing slips do not
    /// slow today's sign-in.
    public static let forgetAfterSeconds = 24.0 * 3600
    /// How many times the per-address limit an account takes from all addresses together.
    public static let accountWideFactor = 4

    private let runs = Mutex<[Key: Run]>([:])
    public let attempts: Int
    public let firstDelay: Double
    public let maximumDelay: Double
    let clock: any WallClock

    /// `attempts` free tries per account and address; then delays from `firstDelay`
    /// (at most 30 s) doubling up to `maximumDelay`.
    public init(attempts: Int, maximumDelaySeconds: Double, clock: any WallClock) {
        self.attempts = max(1, attempts)
        self.maximumDelay = maximumDelaySeconds
        self.firstDelay = min(30, maximumDelaySeconds)
        self.clock = clock
    }

    /// Reserves a try of `name` from `client`; or the seconds to wait before one may be
    /// made (at least 1).
    public func begin(name: String, client: String) -> Result<Ticket, Wait> {
        let keys = [Key(account: name, client: client), Key(account: name, client: nil)]
        let now = clock.now()
        return runs.withLock { runs in
            if runs.count >= Self.maximumEntries { Self.prune(&runs, now: now) }
            var wait = 0.0
            for key in keys {
                var run = runs[key] ?? Run()
                if run.inFlight == 0, run.failures > 0, now - run.lastFailure > Self.forgetAfterSeconds { run = Run() }
                runs[key] = run
                let limit = limit(of: key)
                if now < run.nextAllowed {
                    wait = max(wait, run.nextAllowed - now)
                } else if run.failures + run.inFlight >= limit, run.failures < limit || run.inFlight > 0 {
                    // The free tries are all taken by checks still running, or the one
                    // try a delay allows is: wait for them.
                    wait = max(wait, 1)
                }
            }
            guard wait == 0 else { return .failure(Wait(seconds: wait.rounded(.up))) }
            for key in keys { runs[key, default: Run()].inFlight += 1 }
            return .success(Ticket(keys: keys))
        }
    }

    /// The try was a wrong password (or an unknown name). Returns the seconds the next
    /// try of this account from this address must wait (0 while free tries remain).
    @discardableResult
    public func failed(_ ticket: Ticket) -> Double {
        let now = clock.now()
        return runs.withLock { runs in
            var longest = 0.0
            for key in ticket.keys {
                var run = runs[key] ?? Run()
                run.inFlight = max(0, run.inFlight - 1)
                run.failures += 1
                run.lastFailure = now
                let limit = limit(of: key)
                if run.failures >= limit {
                    let delay = min(maximumDelay, firstDelay * Double(1 << min(run.failures - limit, 30)))
                    run.nextAllowed = max(run.nextAllowed, now + delay)
                    longest = max(longest, run.nextAllowed - now)
                }
                runs[key] = run
            }
            return longest
        }
    }

    /// The right password: the account's runs end, from this address and from anywhere
    /// (the account's owner is the one signing in).
    public func succeeded(_ ticket: Ticket) {
        runs.withLock { runs in
            for key in ticket.keys { runs[key] = nil }
        }
    }

    /// The try ended without an answer (the accounts could not be read): not counted.
    public func abandoned(_ ticket: Ticket) {
        runs.withLock { runs in
            for key in ticket.keys {
                guard var run = runs[key] else { continue }
                run.inFlight = max(0, run.inFlight - 1)
                runs[key] = run
            }
        }
    }

    private func limit(of key: Key) -> Int {
        key.client == nil ? attempts * Self.accountWideFactor : attempts
    }

    private static func prune(_ runs: inout [Key: Run], now: Double) {
        runs = runs.filter { $0.value.inFlight > 0 || $0.value.nextAllowed > now || now - $0.value.lastFailure <= forgetAfterSeconds / 24 }
    }

    /// How long to wait before trying again.
    public struct Wait: Error, Sendable, Equatable {
        public var seconds: Double
    }
}
