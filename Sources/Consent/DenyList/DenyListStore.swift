import GRDB
import Vault

/// SQL of the deny-list's tables (incidents, entries, approvals, door alerts), inside
/// the caller's transaction.
enum DenyListStore {
    /// Everything the deny-list holds about a subject (an erasure removes it all).
    static func deleteRows(of subject: SubjectID, in db: Database) throws {
        try db.execute(sql: "DELETE FROM denylist_approval WHERE entry_id IN (SELECT id FROM denylist_entry WHERE subject_id = ?)", arguments: [subject.rawValue])
        try db.execute(sql: "DELETE FROM denylist_entry WHERE subject_id = ?", arguments: [subject.rawValue])
        try db.execute(sql: "DELETE FROM incident WHERE subject_id = ?", arguments: [subject.rawValue])
        try db.execute(sql: "DELETE FROM door_alert WHERE subject_id = ?", arguments: [subject.rawValue])
    }
}
