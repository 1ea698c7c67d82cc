import FoundationEssentials
import GRDB
import Vault

/// SQL of members' panel credentials (`panel_credential`): the credential sealed with
/// the member's own data key (an erasure makes it unreadable, backups included), and a
/// keyed digest of it that keeps two members from ever holding the same one; inside
/// the caller's transaction.
enum PanelCredentialStore {
    /// What the sealed column is bound to (`VaultStore.sealPersonal`).
    static let purpose = "panel-credential"

    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("consent.v11.panel-credentials") { db in
            try db.execute(
                sql: """
                    CREATE TABLE panel_credential (
                        subject_id TEXT PRIMARY KEY NOT NULL,
                        digest BLOB NOT NULL UNIQUE,
                        sealed BLOB NOT NULL,
                        issued_at REAL NOT NULL
                    );
                    """)
        }
    }

    static func sealed(of subject: SubjectID, in db: Database) throws -> [UInt8]? {
        try Data.fetchOne(db, sql: "SELECT sealed FROM panel_credential WHERE subject_id = ?", arguments: [subject.rawValue]).map {
            [UInt8]($0)
        }
    }

    static func isTaken(_ digest: [UInt8], in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM panel_credential WHERE digest = ?)", arguments: [Data(digest)]) ?? false
    }

    static func insert(subject: SubjectID, digest: [UInt8], sealed: [UInt8], at time: Double, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO panel_credential (subject_id, digest, sealed, issued_at) VALUES (?, ?, ?, ?)",
            arguments: [subject.rawValue, Data(digest), Data(sealed), time])
    }

    static func count(in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM panel_credential") ?? 0
    }

    static func delete(of subject: SubjectID, in db: Database) throws {
        try db.execute(sql: "DELETE FROM panel_credential WHERE subject_id = ?", arguments: [subject.rawValue])
    }
}
