import FoundationEssentials
import GRDB
import Vault

/// SQL of members' panel credentials (`panel_credential`): the credential sealed with
/// the member's own data key (an erasure deletes it, and makes what a backup holds
/// unreadable). Apart from it, with no subject, a keyed digest of every credential
/// ever issued here (`panel_credential_issued`): no two members ever hold the same one,
/// and an erased member's number is never given to someone else, who would inherit
/// the panel's record of them. Inside the caller's transaction.
enum PanelCredentialStore {
    /// What the sealed column is bound to (`VaultStore.sealPersonal`).
    static let purpose = "panel-credential"

    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("consent.v11.panel-credentials") { db in
            try db.execute(
                sql: """
                    CREATE TABLE panel_credential (
                        subject_id TEXT PRIMARY KEY NOT NULL,
                        sealed BLOB NOT NULL,
                        issued_at REAL NOT NULL
                    );
                    CREATE TABLE panel_credential_issued (
                        digest BLOB PRIMARY KEY NOT NULL
                    );
                    """)
        }
    }

    static func sealed(of subject: SubjectID, in db: Database) throws -> [UInt8]? {
        try Data.fetchOne(db, sql: "SELECT sealed FROM panel_credential WHERE subject_id = ?", arguments: [subject.rawValue]).map {
            [UInt8]($0)
        }
    }

    /// Whether the credential with `digest` was ever issued here (to anyone, erased or not).
    static func wasIssued(_ digest: [UInt8], in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM panel_credential_issued WHERE digest = ?)", arguments: [Data(digest)])
            ?? false
    }

    static func insert(subject: SubjectID, digest: [UInt8], sealed: [UInt8], at time: Double, in db: Database) throws {
        try db.execute(sql: "INSERT INTO panel_credential_issued (digest) VALUES (?)", arguments: [Data(digest)])
        try db.execute(
            sql: "INSERT INTO panel_credential (subject_id, sealed, issued_at) VALUES (?, ?, ?)",
            arguments: [subject.rawValue, Data(sealed), time])
    }

    /// Credentials ever issued here: the numbers no longer free.
    static func issuedCount(in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM panel_credential_issued") ?? 0
    }

    static func delete(of subject: SubjectID, in db: Database) throws {
        try db.execute(sql: "DELETE FROM panel_credential WHERE subject_id = ?", arguments: [subject.rawValue])
    }
}
