import FacegateCore
import GRDB
import Vault

/// Reads and writes consent records, inside the caller's transaction.
enum ConsentStore {
    static func insert(_ record: ConsentRecord, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO consent_record (id, subject_id, notice_version, notice_sha256, purposes, method, operator,
                    given_at, expires_at, withdrawn_at, erased_at, superseded_by, withdrawn_purposes, withdrawn_purposes_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                record.id, record.subject.rawValue, record.noticeVersion, record.noticeSHA256,
                StringArrayColumn.encode(record.purposes), record.method, record.operatorName,
                record.givenAt, record.expiresAt, record.withdrawnAt, record.erasedAt, record.supersededBy,
                record.partialWithdrawal.map { StringArrayColumn.encode($0.purposes) }, record.partialWithdrawal?.at,
            ])
    }

    static func records(of subject: SubjectID? = nil, in db: Database) throws -> [ConsentRecord] {
        let rows: [Row]
        if let subject {
            rows = try Row.fetchAll(
                db, sql: "SELECT * FROM consent_record WHERE subject_id = ? ORDER BY COALESCE(withdrawn_purposes_at, given_at), id",
                arguments: [subject.rawValue])
        } else {
            rows = try Row.fetchAll(db, sql: "SELECT * FROM consent_record ORDER BY COALESCE(withdrawn_purposes_at, given_at), id")
        }
        return rows.compactMap(record(from:))
    }

    /// The record in force for a subject, if any.
    static func active(of subject: SubjectID, at time: Double, in db: Database) throws -> ConsentRecord? {
        try records(of: subject, in: db).last { $0.isActive(at: time) }
    }

    static func markWithdrawn(_ subject: SubjectID, at time: Double, in db: Database) throws -> Int {
        try db.execute(
            sql: "UPDATE consent_record SET withdrawn_at = ? WHERE subject_id = ? AND withdrawn_at IS NULL AND superseded_by IS NULL",
            arguments: [time, subject.rawValue])
        return db.changesCount
    }

    static func markErased(_ subject: SubjectID, at time: Double, in db: Database) throws {
        try db.execute(
            sql: "UPDATE consent_record SET erased_at = ? WHERE subject_id = ? AND erased_at IS NULL", arguments: [time, subject.rawValue])
    }

    static func supersede(_ old: String, by new: String, in db: Database) throws {
        try db.execute(sql: "UPDATE consent_record SET superseded_by = ? WHERE id = ?", arguments: [new, old])
    }

    /// The consent in force of every subject, for the door's cache: only the records
    /// in force, only the columns it needs, read by position (100,000 in a fraction
    /// of a second).
    static func activeConsents(at time: Double, in db: Database) throws -> [SubjectID: ConsentRegistry.ActiveConsent] {
        var active: [SubjectID: ConsentRegistry.ActiveConsent] = [:]
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT subject_id, id, purposes, expires_at FROM consent_record
                WHERE withdrawn_at IS NULL AND erased_at IS NULL AND superseded_by IS NULL AND expires_at > ?
                ORDER BY COALESCE(withdrawn_purposes_at, given_at), id
                """, arguments: [time])
        while let row = try rows.next() {
            guard let subject = SubjectID(row[0] as String) else { continue }
            active[subject] = ConsentRegistry.ActiveConsent(
                record: row[1], purposes: Set(StringArrayColumn.decode(row[2])), expiresAt: row[3])
        }
        return active
    }

    /// The subjects with a consent in force at `time` (one query, for the sweep).
    static func subjectsWithActiveConsent(at time: Double, in db: Database) throws -> Set<SubjectID> {
        Set(
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT subject_id FROM consent_record
                    WHERE withdrawn_at IS NULL AND erased_at IS NULL AND superseded_by IS NULL AND expires_at > ?
                    """, arguments: [time]
            ).compactMap(SubjectID.init))
    }

    private static func record(from row: Row) -> ConsentRecord? {
        guard let subject = SubjectID(row["subject_id"] as String) else { return nil }
        let purposes = StringArrayColumn.decode(row["purposes"])
        return ConsentRecord(
            id: row["id"], subject: subject, noticeVersion: row["notice_version"], noticeSHA256: row["notice_sha256"],
            purposes: purposes, method: row["method"], operatorName: row["operator"], givenAt: row["given_at"],
            expiresAt: row["expires_at"], withdrawnAt: row["withdrawn_at"], erasedAt: row["erased_at"],
            supersededBy: row["superseded_by"],
            partialWithdrawal: (row["withdrawn_purposes"] as String?).flatMap { text in
                (row["withdrawn_purposes_at"] as Double?).map { .init(purposes: StringArrayColumn.decode(text), at: $0) }
            })
    }
}
