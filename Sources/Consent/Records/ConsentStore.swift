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
        return try rows.compactMap(record(from:))
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
            // A damaged record gives no consent in force (its subject is not a member
            // until it is repaired); `audit check` reports it.
            guard let subject = (try? row.decode(String.self, atIndex: 0)).flatMap(SubjectID.init),
                let record = try? row.decode(String.self, atIndex: 1), let purposes = try? row.decode(String.self, atIndex: 2),
                let expiresAt = number(row[3] as DatabaseValue? ?? .null)
            else { continue }
            active[subject] = ConsentRegistry.ActiveConsent(
                record: record, purposes: Set(StringArrayColumn.decode(purposes)), expiresAt: expiresAt)
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

    /// A record from its row, every column decoded with a check: a value of the wrong
    /// type (a date that is not a number) is `damagedRecord`, naming the record, never
    /// a crash that prints the row.
    private static func record(from row: Row) throws -> ConsentRecord? {
        do {
            guard let subject = SubjectID(try row.decode(String.self, forColumn: "subject_id")) else { return nil }
            let withdrawnPurposes: String? = try row.decode(forColumn: "withdrawn_purposes")
            let withdrawnPurposesAt: Double? = try row.decode(forColumn: "withdrawn_purposes_at")
            return ConsentRecord(
                id: try row.decode(forColumn: "id"), subject: subject, noticeVersion: try row.decode(forColumn: "notice_version"),
                noticeSHA256: try row.decode(forColumn: "notice_sha256"),
                purposes: StringArrayColumn.decode(try row.decode(forColumn: "purposes")), method: try row.decode(forColumn: "method"),
                operatorName: try row.decode(forColumn: "operator"), givenAt: try decodeTime(row, "given_at"),
                expiresAt: try decodeTime(row, "expires_at"), withdrawnAt: try decodeOptionalTime(row, "withdrawn_at"),
                erasedAt: try decodeOptionalTime(row, "erased_at"), supersededBy: try row.decode(forColumn: "superseded_by"),
                partialWithdrawal: withdrawnPurposes.flatMap { text in
                    withdrawnPurposesAt.map { .init(purposes: StringArrayColumn.decode(text), at: $0) }
                })
        } catch {
            throw damaged(row)
        }
    }

    /// A time column: a number (SQLite keeps text written into a REAL column as
    /// text, so a damaged value reads back as a string).
    private static func decodeTime(_ row: Row, _ column: String) throws -> Double {
        guard let value = try decodeOptionalTime(row, column) else { throw damaged(row) }
        return value
    }

    private static func decodeOptionalTime(_ row: Row, _ column: String) throws -> Double? {
        let value = row[column] as DatabaseValue? ?? .null
        if value.isNull { return nil }
        guard let time = number(value) else { throw damaged(row) }
        return time
    }

    /// A stored time as a number, or nil (text, a blob, NULL). An infinite time is a
    /// number: it is shown as an invalid time (`Timestamp.iso8601`), not refused.
    private static func number(_ value: DatabaseValue) -> Double? {
        switch value.storage {
        case .double(let number): number
        case .int64(let number): Double(number)
        default: nil
        }
    }

    static func damaged(_ row: Row) -> ConsentError {
        ConsentError(
            .damagedRecord,
            "consent record \(recordID(row)) is damaged (a column holds a value of the wrong type): nothing was read from it. Run `facegate audit check` (it records a breach event naming it), then restore the database from a backup taken before the damage"
        )
    }

    /// The record's id for a message: its first 40 characters, made safe to show.
    private static func recordID(_ row: Row) -> String {
        guard case .string(let id) = (row["id"] as DatabaseValue? ?? .null).storage else { return "(id unreadable)" }
        return "'" + DisplayText.neutralised(String(id.prefix(40))) + "'"
    }

    /// The ids of the records `record(from:)` cannot read, with their subjects: what
    /// `audit check` reports.
    static func damagedRecords(in db: Database) throws -> [(id: String, subject: String?)] {
        var damaged: [(id: String, subject: String?)] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT * FROM consent_record")
        while let row = try rows.next() {
            do { _ = try record(from: row) } catch {
                let subject: String? = try? row.decode(forColumn: "subject_id")
                damaged.append((recordID(row), subject.flatMap(SubjectID.init)?.rawValue))
            }
        }
        return damaged
    }
}
