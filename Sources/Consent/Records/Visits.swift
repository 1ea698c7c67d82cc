public import FacegateCore
import GRDB
public import Vault

extension ConsentRegistry {
    /// Records a member's visit, only if their consent includes attendance analytics;
    /// otherwise nothing is stored about them. Returns whether it was stored.
    @discardableResult
    public func recordVisit(of subject: SubjectID, decision: String, at time: Double) throws -> Bool {
        guard let consent = activeConsent(of: subject), consent.purposes.contains(Self.analyticsPurpose) else { return false }
        try vault.write { db in
            try db.execute(
                sql: "INSERT INTO access_event (subject_id, time, decision) VALUES (?, ?, ?)",
                arguments: [subject.rawValue, time, decision])
        }
        return true
    }

    /// Adds to today's anonymous counters (decisions by kind): the only trace of an
    /// unknown face that is ever stored.
    public func count(_ name: String, by amount: Int = 1, at time: Double) throws {
        let day = String(Timestamp.iso8601(time).prefix(10))
        try vault.write { db in
            try db.execute(
                sql: "INSERT INTO daily_counter (day, name, value) VALUES (?, ?, ?) ON CONFLICT(day, name) DO UPDATE SET value = value + excluded.value",
                arguments: [day, name, amount])
        }
    }

    /// The visit times of a subject (with consent to analytics), oldest first.
    public func visits(of subject: SubjectID) throws -> [Double] {
        try vault.read { db in
            try Double.fetchAll(db, sql: "SELECT time FROM access_event WHERE subject_id = ? ORDER BY time", arguments: [subject.rawValue])
        }
    }

    /// Simple statistics: daily counters and the most frequent consenting visitors.
    public func statistics(days: Int = 30, top: Int = 10) throws -> JSONValue {
        let since = clock.now() - Double(days) * 86_400
        let sinceDay = String(Timestamp.iso8601(since).prefix(10))
        return try vault.read { db in
            let counters = try Row.fetchAll(db, sql: "SELECT day, name, value FROM daily_counter WHERE day >= ? ORDER BY day, name", arguments: [sinceDay])
            var byDay: [(String, JSONObject)] = []
            for row in counters {
                let day: String = row["day"]
                if byDay.last?.0 != day { byDay.append((day, [:])) }
                byDay[byDay.count - 1].1[row["name"]] = .int(row["value"])
            }
            let regulars = try Row.fetchAll(db, sql: """
                SELECT subject_id, COUNT(*) AS visits, MAX(time) AS last FROM access_event WHERE time >= ?
                GROUP BY subject_id ORDER BY visits DESC, subject_id LIMIT ?
                """, arguments: [since, top])
            return [
                "days": .int(days),
                "counters": .array(byDay.map { ["day": .string($0.0), "counts": .object($0.1)] }),
                "regulars": .array(regulars.map { row in
                    ["subject": .string(row["subject_id"]), "visits": .int(row["visits"]), "last_visit": .string(Timestamp.iso8601(row["last"]))]
                }),
            ]
        }
    }
}
