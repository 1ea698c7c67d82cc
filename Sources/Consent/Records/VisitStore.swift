import FacegateCore
import GRDB
import Vault

/// SQL of the visits (`access_event`, only for subjects who consented to attendance
/// analytics) and of the anonymous daily counters (`daily_counter`), inside the
/// caller's transaction.
enum VisitStore {
    static func insertVisit(of subject: SubjectID, decision: String, at time: Double, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO access_event (subject_id, time, decision) VALUES (?, ?, ?)", arguments: [subject.rawValue, time, decision])
    }

    /// Whether the subject has a visit less than `seconds` before or after `time`.
    static func hasVisit(of subject: SubjectID, within seconds: Double, of time: Double, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT 1 FROM access_event WHERE subject_id = ? AND time > ? AND time < ? LIMIT 1",
            arguments: [subject.rawValue, time - seconds, time + seconds]) ?? false
    }

    static func addToCounter(_ name: String, day: String, by amount: Int, in db: Database) throws {
        try db.execute(
            sql:
                "INSERT INTO daily_counter (day, name, value) VALUES (?, ?, ?) ON CONFLICT(day, name) DO UPDATE SET value = value + excluded.value",
            arguments: [day, name, amount])
    }

    /// A subject's visit times, oldest first.
    static func visitTimes(of subject: SubjectID, in db: Database) throws -> [Double] {
        try Double.fetchAll(db, sql: "SELECT time FROM access_event WHERE subject_id = ? ORDER BY time", arguments: [subject.rawValue])
    }

    /// The counters of every day from `day` on, by day then name.
    static func counters(since day: String, in db: Database) throws -> [(day: String, name: String, value: Int)] {
        try Row.fetchAll(db, sql: "SELECT day, name, value FROM daily_counter WHERE day >= ? ORDER BY day, name", arguments: [day])
            .map { row in (day: row["day"] as String, name: row["name"] as String, value: row["value"] as Int) }
    }

    /// Every visitor since `time`, most frequent first: their pseudonym (as stored),
    /// visits, first and last visit.
    static func regulars(since time: Double, in db: Database) throws -> [(subject: String, visits: Int, first: Double, last: Double)] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT subject_id, COUNT(*) AS visits, MIN(time) AS first, MAX(time) AS last FROM access_event WHERE time >= ?
                GROUP BY subject_id ORDER BY visits DESC, subject_id
                """, arguments: [time]
        )
        .map { row in
            (subject: row["subject_id"] as String, visits: row["visits"] as Int, first: row["first"] as Double, last: row["last"] as Double)
        }
    }

    /// Visits since `time` by hour of the day (UTC), 24 counts from midnight.
    static func visitsByHour(since time: Double, in db: Database) throws -> [Int] {
        var hours = [Int](repeating: 0, count: 24)
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT CAST(strftime('%H', time, 'unixepoch') AS INTEGER) AS hour, COUNT(*) AS visits FROM access_event
                WHERE time >= ? GROUP BY hour
                """, arguments: [time])
        for row in rows {
            let hour = row["hour"] as Int
            if hours.indices.contains(hour) { hours[hour] = row["visits"] as Int }
        }
        return hours
    }

    /// Forgets a subject's visits (an erasure, or attendance analytics withdrawn).
    static func deleteVisits(of subject: SubjectID, in db: Database) throws {
        try db.execute(sql: "DELETE FROM access_event WHERE subject_id = ?", arguments: [subject.rawValue])
    }

    /// Deletes the visits older than `time`; returns how many.
    static func deleteVisits(before time: Double, in db: Database) throws -> Int {
        try db.execute(sql: "DELETE FROM access_event WHERE time < ?", arguments: [time])
        return db.changesCount
    }

    /// Deletes the counters of the days before `day`; returns how many rows.
    static func deleteCounters(before day: String, in db: Database) throws -> Int {
        try db.execute(sql: "DELETE FROM daily_counter WHERE day < ?", arguments: [day])
        return db.changesCount
    }
}
