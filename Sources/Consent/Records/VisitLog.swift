public import FacegateCore
import GRDB
public import Vault

/// Visits and statistics: a member's visits only with their consent to attendance
/// analytics, and for everyone else nothing but anonymous daily counters.
public final class VisitLog: @unchecked Sendable {
    let vault: VaultStore
    let cache: ConsentCache
    let clock: any WallClock

    init(vault: VaultStore, cache: ConsentCache, clock: any WallClock) {
        self.vault = vault
        self.cache = cache
        self.clock = clock
    }

    /// Records a member's visit, only if their consent includes attendance analytics;
    /// otherwise nothing is stored about them. Returns whether it was stored.
    @discardableResult
    public func recordVisit(of subject: SubjectID, decision: String, at time: Double) throws -> Bool {
        guard let consent = cache.consentInForce(of: subject, at: clock.now()), consent.purposes.contains(ConsentRegistry.analyticsPurpose)
        else { return false }
        try vault.write { db in try VisitStore.insertVisit(of: subject, decision: decision, at: time, in: db) }
        return true
    }

    /// Adds to today's anonymous counters (decisions by kind): the only trace of an
    /// unknown face that is ever stored.
    public func count(_ name: String, by amount: Int = 1, at time: Double) throws {
        let day = String(Timestamp.iso8601(time).prefix(10))
        try vault.write { db in try VisitStore.addToCounter(name, day: day, by: amount, in: db) }
    }

    /// The visit times of a subject (with consent to analytics), oldest first.
    public func visits(of subject: SubjectID) throws -> [Double] {
        try vault.read { db in try VisitStore.visitTimes(of: subject, in: db) }
    }

    /// Simple statistics: daily counters and the most frequent consenting visitors.
    public func statistics(days: Int = 30, top: Int = 10) throws -> JSONValue {
        let since = clock.now() - Double(days) * 86_400
        let sinceDay = String(Timestamp.iso8601(since).prefix(10))
        return try vault.read { db in
            var byDay: [(String, JSONObject)] = []
            for counter in try VisitStore.counters(since: sinceDay, in: db) {
                if byDay.last?.0 != counter.day { byDay.append((counter.day, [:])) }
                byDay[byDay.count - 1].1[counter.name] = .int(counter.value)
            }
            let regulars = try VisitStore.regulars(since: since, top: top, in: db)
            return [
                "days": .int(days),
                "counters": .array(byDay.map { ["day": .string($0.0), "counts": .object($0.1)] }),
                "regulars": .array(
                    regulars.map { regular in
                        [
                            "subject": .string(regular.subject), "visits": .int(regular.visits),
                            "last_visit": .string(Timestamp.iso8601(regular.last)),
                        ]
                    }),
            ]
        }
    }
}
