public import FacegateCore
import GRDB
public import Vault
import Synchronization

extension ConsentRegistry {
    /// What one retention sweep did.
    public struct RetentionReport: Sendable, Equatable {
        public var erasedSubjects: [SubjectID]
        public var deletedAccessEvents: Int
        public var deletedCounterDays: Int
        public var lapsedDenyListEntries: Int = 0
        /// New key epoch, re-wrapped subjects, destroyed epochs (expired backups).
        public var keys: VaultStore.KeyMaintenance

        public var json: JSONValue {
            ["erased_subjects": .array(erasedSubjects.map { .string($0.rawValue) }), "deleted_access_events": .int(deletedAccessEvents),
             "deleted_counter_days": .int(deletedCounterDays), "lapsed_denylist_entries": .int(lapsedDenyListEntries),
             "keys": keys.json]
        }
    }

    /// Applies the retention policy now: erases every subject whose consent expired or
    /// was withdrawn (or who has none), deletes access events and counters older than
    /// `access_event_days`, then keeps backups expiring (a new key epoch after
    /// erasures, old epochs destroyed `backup_days` after them). Every purge is
    /// audited, and the WAL is truncated after any deletion.
    public func sweep(actor: OSUser = .system) throws -> RetentionReport {
        let now = clock.now()
        let policy = self.policy
        // Two queries, not one per subject: 100,000 subjects sweep in milliseconds.
        let (stored, templatesExpired) = try vault.subjectIDs(expiringBy: now)
        let consenting = try vault.read { db in try ConsentStore.subjectsWithActiveConsent(at: now, in: db) }
        let expired = stored.subtracting(consenting).union(templatesExpired)
        var erased: [SubjectID] = []
        for subject in expired.sorted() {
            try erase(subject, reason: .retention, actor: actor)
            erased.append(subject)
        }
        let cutoff = now - policy.retention.accessEventDays * 86_400
        let cutoffDay = String(Timestamp.iso8601(cutoff).prefix(10))
        let (events, days) = try vault.write { db -> (Int, Int) in
            try db.execute(sql: "DELETE FROM access_event WHERE time < ?", arguments: [cutoff])
            let events = db.changesCount
            try db.execute(sql: "DELETE FROM daily_counter WHERE day < ?", arguments: [cutoffDay])
            let days = db.changesCount
            if events > 0 || days > 0 {
                try self.audit.append(
                    actor: actor.name, action: "retention.purge_events",
                    details: ["access_events": .int(events), "counter_days": .int(days), "older_than": .string(Timestamp.iso8601(cutoff))],
                    in: db)
            }
            return (events, days)
        }
        if events > 0 || days > 0 { try vault.truncateWAL() }
        let keys = try vault.maintainKeys()
        try reportUnreadableKeys()
        if keys.begunEpoch != nil || !keys.destroyedEpochs.isEmpty {
            _ = try vault.write { db in
                try self.audit.append(actor: actor.name, action: "keys.rotate", details: keys.json.objectValue ?? [:], in: db)
            }
        }
        let lapsed = try lapseDenyListEntries(actor: actor)
        _ = try expireAlerts()
        return RetentionReport(
            erasedSubjects: erased, deletedAccessEvents: events, deletedCounterDays: days, lapsedDenyListEntries: lapsed, keys: keys)
    }
}
