import GRDB

/// SQL of the recognition-quality aggregates (`recognition_quality`): per day and per
/// distance bin, how many member decisions fell in the bin and how many of them were
/// low-margin. Anonymous by construction: no subject, no time finer than a day, no
/// row per decision. Pruned with the daily counters (`RetentionSweep`).
enum QualityStore {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("consent.v8.recognition-quality") { db in
            try db.execute(
                sql: """
                    CREATE TABLE recognition_quality (
                        day TEXT NOT NULL,
                        bin INTEGER NOT NULL,
                        decisions INTEGER NOT NULL,
                        low_margin INTEGER NOT NULL,
                        PRIMARY KEY (day, bin)
                    );
                    """)
        }
    }

    static func add(day: String, bin: Int, lowMargin: Bool, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO recognition_quality (day, bin, decisions, low_margin) VALUES (?, ?, 1, ?)
                ON CONFLICT(day, bin) DO UPDATE SET decisions = decisions + 1, low_margin = low_margin + excluded.low_margin
                """, arguments: [day, bin, lowMargin ? 1 : 0])
    }

    /// The rows of every day from `day` on, by day then bin.
    static func rows(since day: String, in db: Database) throws -> [(day: String, bin: Int, decisions: Int, lowMargin: Int)] {
        try Row.fetchAll(
            db, sql: "SELECT day, bin, decisions, low_margin FROM recognition_quality WHERE day >= ? ORDER BY day, bin",
            arguments: [day]
        )
        .map { row in
            (day: row["day"] as String, bin: row["bin"] as Int, decisions: row["decisions"] as Int, lowMargin: row["low_margin"] as Int)
        }
    }

    /// Deletes the days before `day`; returns how many rows.
    static func delete(before day: String, in db: Database) throws -> Int {
        try db.execute(sql: "DELETE FROM recognition_quality WHERE day < ?", arguments: [day])
        return db.changesCount
    }
}
