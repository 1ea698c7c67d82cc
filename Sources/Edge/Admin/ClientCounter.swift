import Synchronization

/// How many admin clients are connected, in all and per OS user.
final class ClientCounter: Sendable {
    private let counts = Mutex<(total: Int, perUser: [UInt32: Int])>((0, [:]))

    /// Counts a new client, or says why it must retry later.
    func enter(uid: UInt32, limits: AdminSocketServer.Limits) -> String? {
        counts.withLock { counts in
            let mine = counts.perUser[uid, default: 0]
            let total = limits.maxClients + (uid == 0 ? limits.reservedForRoot : 0)
            if counts.total >= total {
                return "too many admin clients connected (\(limits.maxClients)); retry shortly"
            }
            if uid != 0 && mine >= limits.maxClientsPerUser {
                return "this user already has \(limits.maxClientsPerUser) admin connections open; close one, or retry shortly"
            }
            counts.total += 1
            counts.perUser[uid] = mine + 1
            return nil
        }
    }

    func leave(uid: UInt32) {
        counts.withLock { counts in
            counts.total -= 1
            counts.perUser[uid] = max(0, counts.perUser[uid, default: 1] - 1)
            if counts.perUser[uid] == 0 { counts.perUser[uid] = nil }
        }
    }
}
