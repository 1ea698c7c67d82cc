public import FacegateCore
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

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
/// Checks in flight are bounded too (`maximumChecks` in all, `maximumChecksPerClient`
/// from one address): each costs 64 MiB and a good part of a second, so a flood of
/// names is answered "wait" without checking, and cannot hold up the others' sign-ins.
/// A browser that signed in to the account before (`knownDevice`) is not held by the
/// account-wide run: someone guessing from elsewhere cannot keep the owner out. IPv6
/// clients count by their /64, which one host usually owns whole.
///
/// In memory: a restart forgets, which an attacker cannot cause from the network.
public final class LoginThrottle: Sendable {
    /// A try reserved by `begin`, settled by exactly one of `failed`, `succeeded`, `abandoned`.
    public struct Ticket: Sendable {
        fileprivate let keys: [Key]
        fileprivate let client: String
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

    /// Password checks running at once, in all and from one address (its /64 for IPv6).
    public static let maximumChecks = 8
    public static let maximumChecksPerClient = 2

    private let runs = Mutex<[Key: Run]>([:])
    private let checks = Mutex<(all: Int, byClient: [String: Int])>((0, [:]))
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
    /// made (at least 1). A `knownDevice` (one that signed in to this account before) is
    /// held by its own address's run only.
    public func begin(name: String, client rawClient: String, knownDevice: Bool = false) -> Result<Ticket, Wait> {
        let client = Self.clientKey(rawClient)
        let keys = [Key(account: name, client: client)] + (knownDevice ? [] : [Key(account: name, client: nil)])
        let now = clock.now()
        let admitted = checks.withLock { checks -> Bool in
            guard checks.all < Self.maximumChecks, checks.byClient[client, default: 0] < Self.maximumChecksPerClient else { return false }
            checks.all += 1
            checks.byClient[client, default: 0] += 1
            return true
        }
        guard admitted else { return .failure(Wait(seconds: 1, accountWide: false)) }
        let result = runs.withLock { runs -> Result<Ticket, Wait> in
            if runs.count >= Self.maximumEntries { Self.prune(&runs, now: now) }
            var wait = 0.0
            var accountWide = false
            for key in keys {
                var run = runs[key] ?? Run()
                if run.inFlight == 0, run.failures > 0, now - run.lastFailure > Self.forgetAfterSeconds { run = Run() }
                runs[key] = run
                let limit = limit(of: key)
                var keyWait = 0.0
                if now < run.nextAllowed {
                    keyWait = run.nextAllowed - now
                } else if run.failures + run.inFlight >= limit, run.failures < limit || run.inFlight > 0 {
                    // The free tries are all taken by checks still running, or the one
                    // try a delay allows is: wait for them.
                    keyWait = 1
                }
                if keyWait > wait { accountWide = key.client == nil }
                wait = max(wait, keyWait)
            }
            guard wait == 0 else { return .failure(Wait(seconds: wait.rounded(.up), accountWide: accountWide)) }
            for key in keys { runs[key, default: Run()].inFlight += 1 }
            return .success(Ticket(keys: keys, client: client))
        }
        if case .failure = result { endCheck(client) }
        return result
    }

    private func endCheck(_ client: String) {
        checks.withLock { checks in
            checks.all = max(0, checks.all - 1)
            let left = checks.byClient[client, default: 1] - 1
            checks.byClient[client] = left > 0 ? left : nil
        }
    }

    /// The address a client is counted by: an IPv4 address as it is, an IPv6 address by
    /// its /64 (an IPv4-mapped one as its IPv4 address).
    public static func clientKey(_ address: String) -> String {
        var v6 = in6_addr()
        guard address.contains(":"), inet_pton(AF_INET6, address, &v6) == 1 else { return address }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return bytes[12..<16].map(String.init).joined(separator: ".")
        }
        return stride(from: 0, to: 8, by: 2).map { Hex.encode(Array(bytes[$0..<($0 + 2)])) }.joined(separator: ":") + "::/64"
    }

    /// The try was a wrong password (or an unknown name). Returns the seconds the next
    /// try of this account from this address must wait (0 while free tries remain).
    @discardableResult
    public func failed(_ ticket: Ticket) -> Double {
        endCheck(ticket.client)
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
        endCheck(ticket.client)
        runs.withLock { runs in
            for key in ticket.keys { runs[key] = nil }
        }
    }

    /// The try ended without an answer (the accounts could not be read): not counted.
    public func abandoned(_ ticket: Ticket) {
        endCheck(ticket.client)
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

    /// How long to wait before trying again, and whether the account's run from all
    /// addresses (not this address's) is what holds it.
    public struct Wait: Error, Sendable, Equatable {
        public var seconds: Double
        public var accountWide: Bool
    }
}
