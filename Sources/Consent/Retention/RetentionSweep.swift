public import FacegateCore
import GRDB
import Synchronization
import Vault

/// The retention policy applied: who has no consent left is erased, old visits and
/// counters (with the recognition-quality aggregates) go, backups keep expiring, overdue deny-list entries lapse and unanswered
/// door alerts expire. `RetentionService` runs it on a schedule; a restore runs it
/// before anything is served.
public final class RetentionSweep: @unchecked Sendable {
    let vault: VaultStore
    let audit: AuditLog
    let policies: CurrentPolicy
    let clock: any WallClock
    let breaches: BreachRecorder
    let denyList: DenyListGovernance
    let doorAlerts: DoorAlerts
    private let lastRunTime = Mutex<Double?>(nil)

    /// When the sweep last finished in this process (the console's DPO page shows it).
    public var lastRun: Double? { lastRunTime.withLock { $0 } }

    init(
        vault: VaultStore, audit: AuditLog, policies: CurrentPolicy, clock: any WallClock, breaches: BreachRecorder,
        denyList: DenyListGovernance, doorAlerts: DoorAlerts
    ) {
        self.vault = vault
        self.audit = audit
        self.policies = policies
        self.clock = clock
        self.breaches = breaches
        self.denyList = denyList
        self.doorAlerts = doorAlerts
    }

    /// Applies the retention policy now: erases every subject whose consent expired or
    /// was withdrawn (or who has none), deletes access events and counters older than
    /// `access_event_days`, then keeps backups expiring (a new key epoch after
    /// erasures, old epochs destroyed `backup_days` after them). Every purge is
    /// audited, and the WAL is truncated after any deletion.
    public func run(actor: OSUser = .system) throws -> ConsentRegistry.RetentionReport {
        let now = clock.now()
        let policy = policies.policy
        // Two queries, not one per subject: 100,000 subjects sweep in milliseconds.
        let (stored, templatesExpired) = try vault.subjectIDs(expiringBy: now)
        let consenting = try vault.read { db in try ConsentStore.subjectsWithActiveConsent(at: now, in: db) }
        let expired = stored.subtracting(consenting).union(templatesExpired)
        var erased: [SubjectID] = []
        for subject in expired.sorted() {
            // The one erasure path, as `ConsentRegistry.erase` takes it.
            let reason = ConsentRegistry.ErasureReason.retention.rawValue
            try vault.forget(ErasureJournal.Entry(subject: subject, scope: .subject(reason: reason), actor: actor.name, at: clock.now()))
            erased.append(subject)
        }
        let cutoff = now - policy.retention.accessEventDays * 86_400
        let cutoffDay = String(Timestamp.iso8601(cutoff).prefix(10))
        let (events, days, quality) = try vault.write { db -> (Int, Int, Int) in
            let events = try VisitStore.deleteVisits(before: cutoff, in: db)
            let days = try VisitStore.deleteCounters(before: cutoffDay, in: db)
            // The recognition-quality aggregates are daily counters too, and go with them.
            let quality = try QualityStore.delete(before: cutoffDay, in: db)
            if events > 0 || days > 0 || quality > 0 {
                var details: JSONObject = [
                    "access_events": .int(events), "counter_days": .int(days), "older_than": .string(Timestamp.iso8601(cutoff)),
                ]
                if quality > 0 { details["quality_rows"] = .int(quality) }
                try self.audit.append(actor: actor.name, action: "retention.purge_events", details: details, in: db)
            }
            return (events, days, quality)
        }
        if events > 0 || days > 0 || quality > 0 { try vault.truncateWAL() }
        let keys = try vault.maintainKeys()
        try breaches.reportUnreadableKeys()
        if keys.begunEpoch != nil || !keys.destroyedEpochs.isEmpty {
            _ = try vault.write { db in
                try self.audit.append(actor: actor.name, action: "keys.rotate", details: keys.json.objectValue ?? [:], in: db)
            }
        }
        let lapsed = try denyList.lapseOverdue(actor: actor)
        _ = try doorAlerts.expireOverdue()
        lastRunTime.withLock { $0 = clock.now() }
        return ConsentRegistry.RetentionReport(
            erasedSubjects: erased, deletedAccessEvents: events, deletedCounterDays: days, lapsedDenyListEntries: lapsed, keys: keys)
    }
}
