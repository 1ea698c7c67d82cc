import FoundationEssentials
import GRDB
import Vault

/// SQL of members' cards (`member_card`): a keyed digest of the number, never the
/// number, and the one subject it belongs to; inside the caller's transaction.
enum CardStore {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("consent.v4.cards") { db in
            try db.execute(
                sql: """
                    CREATE TABLE member_card (
                        digest BLOB PRIMARY KEY NOT NULL,
                        subject_id TEXT NOT NULL UNIQUE,
                        set_at REAL NOT NULL
                    );
                    """)
        }
    }

    /// The subject the card with `digest` belongs to.
    static func holder(of digest: [UInt8], in db: Database) throws -> SubjectID? {
        try String.fetchOne(db, sql: "SELECT subject_id FROM member_card WHERE digest = ?", arguments: [Data(digest)]).flatMap(
            SubjectID.init)
    }

    static func hasCard(_ subject: SubjectID, in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM member_card WHERE subject_id = ?)", arguments: [subject.rawValue]) ?? false
    }

    /// Gives `subject` the card with `digest`, replacing the card it had.
    static func set(_ digest: [UInt8], for subject: SubjectID, at time: Double, in db: Database) throws {
        try delete(of: subject, in: db)
        try db.execute(
            sql: "INSERT INTO member_card (digest, subject_id, set_at) VALUES (?, ?, ?)", arguments: [Data(digest), subject.rawValue, time])
    }

    /// Forgets a subject's card; returns whether there was one.
    @discardableResult
    static func delete(of subject: SubjectID, in db: Database) throws -> Bool {
        try db.execute(sql: "DELETE FROM member_card WHERE subject_id = ?", arguments: [subject.rawValue])
        return db.changesCount > 0
    }
}
