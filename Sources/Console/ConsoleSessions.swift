import Consent
import FacegateCore
import Logging
import Synchronization

/// The console's sessions, in memory: opened at sign-in, ended by sign-out, by
/// `session_idle_minutes` without a request, by `session_hours` in all, and when the
/// account is removed or its password or role changes.
final class ConsoleSessions: Sendable {
    private let sessions = Mutex<[String: ConsoleSession]>([:])
    let idleSeconds: Double
    let maxSeconds: Double
    let clock: any WallClock

    init(idleSeconds: Double, maxSeconds: Double, clock: any WallClock) {
        self.idleSeconds = idleSeconds
        self.maxSeconds = maxSeconds
        self.clock = clock
    }

    func open(for standing: ConsoleAccountStanding) -> ConsoleSession {
        let now = clock.now()
        let session = ConsoleSession(
            id: RandomToken.hex(32), accountName: standing.account.name, stamp: standing.stamp, csrf: RandomToken.hex(32), created: now,
            lastSeen: now)
        sessions.withLock { sessions in
            sessions = sessions.filter { live($0.value, at: now) }
            sessions[session.id] = session
        }
        return session
    }

    /// The live session with this id, its idle clock restarted; nil when unknown or over.
    func session(_ id: String) -> ConsoleSession? {
        let now = clock.now()
        return sessions.withLock { sessions in
            guard var session = sessions[id] else { return nil }
            guard live(session, at: now) else {
                sessions[id] = nil
                return nil
            }
            session.lastSeen = now
            sessions[id] = session
            return session
        }
    }

    /// Whether the session with this id is still live, without restarting its idle
    /// clock (an open event stream is not activity).
    func isLive(_ id: String) -> Bool {
        let now = clock.now()
        return sessions.withLock { sessions in sessions[id].map { live($0, at: now) } ?? false }
    }

    func close(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// Ends every session of `name` opened before its stamp became `stamp` (the
    /// account was removed, or its password or role changed).
    func close(account name: String, unlessStamp stamp: String?) {
        sessions.withLock { sessions in sessions = sessions.filter { $0.value.accountName != name || $0.value.stamp == stamp } }
    }

    var count: Int { sessions.withLock { $0.count } }

    private func live(_ session: ConsoleSession, at now: Double) -> Bool {
        now - session.lastSeen < idleSeconds && now - session.created < maxSeconds
    }
}
