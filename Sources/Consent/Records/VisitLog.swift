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

    /// A member's decisions less than this long after their last recorded visit are
    /// the same visit: one person passing the door nine times in an evening is one
    /// visit, not nine (minimisation, and statistics that mean something). Six hours
    /// keep a bar's night, across midnight, as one visit, and a morning and an evening
    /// as two.
    public static let sameVisitSeconds = 6.0 * 3600

    /// Records a member's visit, only if their consent includes attendance analytics
    /// and no visit of theirs is recorded within `sameVisitSeconds` of it; otherwise
    /// nothing is stored about them. Returns whether it was stored.
    @discardableResult
    public func recordVisit(of subject: SubjectID, decision: String, at time: Double) throws -> Bool {
        guard analyticsConsented(subject) else { return false }
        return try vault.write { db in try Self.addVisit(of: subject, decision: decision, at: time, in: db) }
    }

    /// Adds to today's anonymous counters (decisions by kind): the only trace of an
    /// unknown face that is ever stored.
    public func count(_ name: String, by amount: Int = 1, at time: Double) throws {
        try vault.write { db in try VisitStore.addToCounter(name, day: Self.day(of: time), by: amount, in: db) }
    }

    /// Everything a settled door decision stores, in one transaction: one fsync on the
    /// door's SD card instead of three (the counter, the quality bin, the visit).
    /// Returns whether a visit was stored.
    @discardableResult
    public func record(_ decision: DecisionRecord) throws -> Bool {
        let visitor = decision.visitOf.flatMap { analyticsConsented($0) ? $0 : nil }
        let day = Self.day(of: decision.time)
        return try vault.write { db in
            try VisitStore.addToCounter(decision.kind, day: day, by: 1, in: db)
            if let quality = decision.quality { try Self.addQuality(quality, day: day, in: db) }
            guard let visitor else { return false }
            return try Self.addVisit(of: visitor, decision: decision.kind, at: decision.time, in: db)
        }
    }

    private func analyticsConsented(_ subject: SubjectID) -> Bool {
        cache.consentInForce(of: subject, at: clock.now())?.purposes.contains(ConsentRegistry.analyticsPurpose) == true
    }

    private static func addVisit(of subject: SubjectID, decision: String, at time: Double, in db: Database) throws -> Bool {
        guard try !VisitStore.hasVisit(of: subject, within: sameVisitSeconds, of: time, in: db) else { return false }
        try VisitStore.insertVisit(of: subject, decision: decision, at: time, in: db)
        return true
    }

    /// The day (UTC, `YYYY-MM-DD`) a time's counters and bins belong to.
    static func day(of time: Double) -> String { String(Timestamp.iso8601(time).prefix(10)) }

    /// The visit times of a subject (with consent to analytics), oldest first.
    public func visits(of subject: SubjectID) throws -> [Double] {
        try vault.read { db in try VisitStore.visitTimes(of: subject, in: db) }
    }

    /// The statistics of the last `days` days: the anonymous daily counters, visits by
    /// hour of the day, and the regulars (members whose consent in force includes
    /// attendance analytics, most frequent first) with their first and last visit,
    /// the average gap between visits and their segment (`VisitorSegment`). Whoever
    /// may not see people gets the answer without `regulars` (`aggregate`).
    public func statistics(days: Int = 30) throws -> JSONValue {
        let now = clock.now()
        let since = now - Double(days) * 86_400
        let sinceDay = String(Timestamp.iso8601(since).prefix(10))
        return try vault.read { db in
            var byDay: [(String, JSONObject)] = []
            for counter in try VisitStore.counters(since: sinceDay, in: db) {
                if byDay.last?.0 != counter.day { byDay.append((counter.day, [:])) }
                byDay[byDay.count - 1].1[counter.name] = .int(counter.value)
            }
            // Visits are stored only with the purpose; a consent that lapsed since is
            // checked again here, so nobody is listed without it in force.
            let regulars = try VisitStore.regulars(since: since, in: db).filter { regular in
                guard let subject = SubjectID(regular.subject) else { return false }
                return self.cache.consentInForce(of: subject, at: now)?.purposes.contains(ConsentRegistry.analyticsPurpose) == true
            }
            var segments = JSONObject()
            for segment in VisitorSegment.allCases { segments[segment.rawValue] = 0 }
            let rows = regulars.map { regular -> JSONValue in
                let gap = regular.visits > 1 ? (regular.last - regular.first) / Double(regular.visits - 1) / 86_400 : nil
                let segment = VisitorSegment(visits: regular.visits, averageGapDays: gap)
                segments[segment.rawValue] = .int((segments[segment.rawValue]?.intValue ?? 0) + 1)
                return [
                    "subject": .string(regular.subject), "visits": .int(regular.visits),
                    "first_visit": .string(Timestamp.iso8601(regular.first)), "last_visit": .string(Timestamp.iso8601(regular.last)),
                    "average_gap_days": gap.map { .double(($0 * 10).rounded() / 10) } ?? .null, "segment": .string(segment.rawValue),
                ]
            }
            return [
                "days": .int(days), "since": .string(Timestamp.iso8601(since)),
                "counters": .array(byDay.map { ["day": .string($0.0), "counts": .object($0.1)] }),
                "visits_by_hour": .array(try VisitStore.visitsByHour(since: since, in: db).map(JSONValue.int)),
                "segment_rule": .string(VisitorSegment.rule), "segments": .object(segments),
                "regular_count": .int(rows.count), "regulars": .array(rows),
            ]
        }
    }

    /// The statistics without anything about a person: `statistics` less its
    /// `regulars` (for the DPO, who sees aggregates only).
    public static func aggregate(_ statistics: JSONValue) -> JSONValue {
        guard var object = statistics.objectValue else { return statistics }
        object.entries.removeAll { $0.key == "regulars" }
        return .object(object)
    }
}
