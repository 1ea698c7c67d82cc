public import FacegateCore
import Synchronization

/// Every request the admin socket answers, and every caller it refuses, audited
/// (`admin.requests`) without letting a flood flood the audit log: per client (uid)
/// and minute, the first request is audited at once, and the others of that minute
/// are counted and audited as one summary once the minute is over (at the client's
/// next request, at the periodic `flush`, or at shutdown). A client can thus add at
/// most two entries a minute, whatever it sends.
///
/// Reads (`status`), uploads, malformed lines and refused callers are all here; the
/// operations that change something are audited one by one besides, by the dispatcher
/// and the registry.
public final class AdminRequestLog: Sendable {
    struct Key: Hashable {
        let uid: UInt32
        let minute: Int64
    }

    struct Tally {
        let caller: OSUser
        /// Requests after the first of the minute, by "request outcome".
        var counts: [String: Int] = [:]
    }

    /// Writes one audit entry for `caller` (the registry's audit log, in the daemon).
    public typealias Writer = @Sendable (_ caller: OSUser, _ details: JSONObject) -> Void

    let clock: any WallClock
    let write: Writer
    private let tallies = Mutex<[Key: Tally]>([:])

    public init(clock: any WallClock = SystemWallClock(), write: @escaping Writer) {
        self.clock = clock
        self.write = write
    }

    /// Records one request: `request` is the command's name (or `upload`, `malformed`,
    /// `connect`), `outcome` `ok` or the error code.
    public func record(_ caller: OSUser, request: String, outcome: String) {
        let now = clock.now()
        let key = Key(uid: caller.uid, minute: Int64((now / 60).rounded(.down)))
        var entries = summaries(before: key.minute, of: caller.uid)
        tallies.withLock { tallies in
            if tallies[key] == nil {
                tallies[key] = Tally(caller: caller)
                entries.append(
                    (
                        caller,
                        [
                            "minute": .string(Self.minute(key.minute)), "uid": .int(Int(caller.uid)), "request": .string(request),
                            "outcome": .string(outcome), "first_of_minute": true,
                        ]
                    ))
            } else {
                tallies[key]?.counts["\(request) \(outcome)", default: 0] += 1
            }
        }
        for (caller, details) in entries { write(caller, details) }
    }

    /// Audits the summaries of the minutes that are over (every minute when `all`, at
    /// shutdown).
    public func flush(all: Bool = false) {
        let minute = all ? Int64.max : Int64((clock.now() / 60).rounded(.down))
        for (caller, details) in summaries(before: minute, of: nil) { write(caller, details) }
    }

    /// Removes the tallies of the minutes before `minute` (of one client, or all) and
    /// returns the summaries to audit: only where more than the first request came.
    private func summaries(before minute: Int64, of uid: UInt32?) -> [(OSUser, JSONObject)] {
        tallies.withLock { tallies in
            let over = tallies.keys.filter { $0.minute < minute && (uid == nil || $0.uid == uid) }.sorted { $0.minute < $1.minute }
            return over.compactMap { key -> (OSUser, JSONObject)? in
                guard let tally = tallies.removeValue(forKey: key), !tally.counts.isEmpty else { return nil }
                let requests = JSONObject(tally.counts.keys.sorted().map { ($0, JSONValue.int(tally.counts[$0]!)) })
                return (
                    tally.caller,
                    [
                        "minute": .string(Self.minute(key.minute)), "uid": .int(Int(key.uid)), "requests": .object(requests),
                        "more_requests": .int(tally.counts.values.reduce(0, +)),
                    ]
                )
            }
        }
    }

    /// `2026-11-29T20:41Z`: the minute an entry counts.
    static func minute(_ minute: Int64) -> String {
        String(Timestamp.iso8601(Double(minute) * 60).prefix(16)) + "Z"
    }
}
