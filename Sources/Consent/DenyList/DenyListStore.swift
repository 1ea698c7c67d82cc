import FacegateCore
import FoundationEssentials
import GRDB
import Vault

/// SQL of the deny-list's tables (incidents, entries, approvals, door alerts) and
/// their row mapping, inside the caller's transaction.
///
/// The free-text columns (an incident's note, the reasons of entries, approvals and
/// door decisions) say what a person is accused of: they are sealed here with the
/// subject's key, under a purpose that binds each to its column, so that the
/// subject's erasure makes them unreadable.
enum DenyListStore {
    /// The purposes the sealed columns are bound to (`VaultStore.sealPersonal`).
    enum SealedPurpose {
        static let incident = "incident"
        static let denyList = "denylist"
        static let door = "door"
    }

    /// Everything the deny-list holds about a subject (an erasure removes it all).
    static func deleteRows(of subject: SubjectID, in db: Database) throws {
        try db.execute(
            sql: "DELETE FROM denylist_approval WHERE entry_id IN (SELECT id FROM denylist_entry WHERE subject_id = ?)",
            arguments: [subject.rawValue])
        try db.execute(sql: "DELETE FROM denylist_entry WHERE subject_id = ?", arguments: [subject.rawValue])
        try db.execute(sql: "DELETE FROM incident WHERE subject_id = ?", arguments: [subject.rawValue])
        try db.execute(sql: "DELETE FROM door_alert WHERE subject_id = ?", arguments: [subject.rawValue])
    }

    // MARK: Incidents

    static func insert(_ incident: Incident, vault: VaultStore, in db: Database) throws {
        let sealedNote = try incident.note.map {
            try vault.sealPersonal(Array($0.utf8), for: incident.subject, purpose: SealedPurpose.incident, in: db)
        }
        try db.execute(
            sql: "INSERT INTO incident (id, subject_id, category, note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                incident.id, incident.subject.rawValue, incident.category, sealedNote.map { Data($0) }, incident.recordedBy,
                incident.recordedAt,
            ])
    }

    /// The ids of a subject's incidents of `category` recorded since `time`, oldest
    /// first: what a policy rule counts.
    static func incidentIDs(of subject: SubjectID, category: String, since time: Double, in db: Database) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT id FROM incident WHERE subject_id = ? AND category = ? AND recorded_at >= ? ORDER BY recorded_at",
            arguments: [subject.rawValue, category, time])
    }

    /// The ids of every incident recorded against a subject: what an entry may cite as evidence.
    static func incidentIDs(of subject: SubjectID, in db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db, sql: "SELECT id FROM incident WHERE subject_id = ?", arguments: [subject.rawValue]))
    }

    /// Who recorded the incidents with these ids: an entry's evidence, whose recorders
    /// may not approve it.
    static func recorders(of incidents: [String], in db: Database) throws -> Set<String> {
        guard !incidents.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: incidents.count).joined(separator: ", ")
        return Set(
            try String.fetchAll(
                db, sql: "SELECT DISTINCT recorded_by FROM incident WHERE id IN (\(marks))", arguments: StatementArguments(incidents)))
    }

    /// A subject's incidents, oldest first, their notes opened.
    static func incidents(of subject: SubjectID, vault: VaultStore, in db: Database) throws -> [Incident] {
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM incident WHERE subject_id = ? ORDER BY recorded_at", arguments: [subject.rawValue])
        return try rows.map { row in
            let note = try open(row["note"], for: subject, purpose: SealedPurpose.incident, vault: vault, in: db)
            return Incident(
                id: row["id"], subject: subject, category: row["category"], note: note, recordedBy: row["recorded_by"],
                recordedAt: row["recorded_at"])
        }
    }

    // MARK: Entries

    /// The subject's entry that is proposed or active, if any (a subject has at most one).
    static func openEntryID(of subject: SubjectID, in db: Database) throws -> String? {
        try String.fetchOne(
            db, sql: "SELECT id FROM denylist_entry WHERE subject_id = ? AND state IN ('proposed', 'active')",
            arguments: [subject.rawValue])
    }

    /// Stores a new entry (`DenyListEntry.proposing`), its reason sealed.
    static func insert(_ entry: DenyListEntry, vault: VaultStore, in db: Database) throws {
        let sealed = try seal(entry.reason, for: entry.subject, purpose: SealedPurpose.denyList, vault: vault, in: db)
        try db.execute(
            sql: """
                INSERT INTO denylist_entry (id, subject_id, state, reason, evidence, proposed_by, proposed_at, round, round_proposed_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                entry.id, entry.subject.rawValue, entry.state.rawValue, sealed, StringArrayColumn.encode(entry.evidence), entry.proposedBy,
                entry.proposedAt, entry.round, entry.roundProposedBy,
            ])
    }

    /// Writes what one step of the approval process changed: the approval or
    /// rejection recorded (its reason sealed) and the entry's new state or round.
    static func apply(_ transition: DenyListEntry.Transition, vault: VaultStore, in db: Database) throws {
        let entry = transition.entry
        if let decision = transition.decision {
            let sealed = try seal(decision.reason, for: entry.subject, purpose: SealedPurpose.denyList, vault: vault, in: db)
            // A rejection replaces the approval its author may have given this round.
            let insert = decision.decision == DenyListEntry.Approval.reject ? "INSERT OR REPLACE" : "INSERT"
            try db.execute(
                sql: "\(insert) INTO denylist_approval (entry_id, round, approver, decision, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [entry.id, decision.round, decision.approver, decision.decision, sealed, decision.at])
        }
        switch transition.step {
        case .approved:
            break
        case .activated:
            try db.execute(
                sql: "UPDATE denylist_entry SET state = 'active', activated_round = round, activated_at = ?, review_at = ? WHERE id = ?",
                arguments: [entry.activatedAt, entry.reviewAt, entry.id])
        case .rejected:
            try db.execute(
                sql: "UPDATE denylist_entry SET state = 'rejected', closed_at = ? WHERE id = ?", arguments: [entry.closedAt, entry.id])
        case .renewalRefused:
            // The entry stays until its review date, then lapses.
            try db.execute(sql: "UPDATE denylist_entry SET round = activated_round WHERE id = ?", arguments: [entry.id])
        case .renewalStarted:
            try db.execute(
                sql: "UPDATE denylist_entry SET round = ?, round_proposed_by = ? WHERE id = ?",
                arguments: [entry.round, entry.roundProposedBy, entry.id])
        case .lifted:
            try db.execute(
                sql: "UPDATE denylist_entry SET state = 'lifted', closed_at = ?, round = activated_round WHERE id = ?",
                arguments: [entry.closedAt, entry.id])
        }
    }

    /// One entry with its approvals, reasons opened. A row whose subject is not a
    /// valid pseudonym (a damaged or altered database) is an error naming the entry.
    static func entry(_ id: String, vault: VaultStore, in db: Database) throws -> DenyListEntry {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM denylist_entry WHERE id = ?", arguments: [id]) else {
            throw ConsentError(.notFound, "no deny-list entry \(id); list them with `facegate denylist list`")
        }
        let subject = try subject(of: row, in: "deny-list entry \(id)")
        let reason = try open(row["reason"], for: subject, purpose: SealedPurpose.denyList, vault: vault, in: db)
        let approvalRows = try Row.fetchAll(db, sql: "SELECT * FROM denylist_approval WHERE entry_id = ? ORDER BY at", arguments: [id])
        let approvals = try approvalRows.map { approval in
            DenyListEntry.Approval(
                approver: approval["approver"], decision: approval["decision"],
                reason: try open(approval["reason"], for: subject, purpose: SealedPurpose.denyList, vault: vault, in: db),
                at: approval["at"], round: approval["round"])
        }
        return DenyListEntry(
            id: id, subject: subject, state: DenyListEntry.State(rawValue: row["state"]) ?? .proposed,
            reason: reason, evidence: StringArrayColumn.decode(row["evidence"]), proposedBy: row["proposed_by"],
            proposedAt: row["proposed_at"], round: row["round"], roundProposedBy: row["round_proposed_by"],
            activatedAt: row["activated_at"], reviewAt: row["review_at"], closedAt: row["closed_at"], approvals: approvals,
            activatedRound: row["activated_round"])
    }

    /// Entries (all, or a subject's), oldest proposal first.
    static func entries(of subject: SubjectID?, vault: VaultStore, in db: Database) throws -> [DenyListEntry] {
        let ids: [String]
        if let subject {
            ids = try String.fetchAll(
                db, sql: "SELECT id FROM denylist_entry WHERE subject_id = ? ORDER BY proposed_at", arguments: [subject.rawValue])
        } else {
            ids = try String.fetchAll(db, sql: "SELECT id FROM denylist_entry ORDER BY proposed_at")
        }
        return try ids.map { try entry($0, vault: vault, in: db) }
    }

    /// The entries in force at `time`, by subject, for the door's cache (a row whose
    /// subject is not a valid pseudonym cannot match anyone, and is left out).
    static func entriesInForce(at time: Double, in db: Database) throws -> [SubjectID: (entry: String, reviewAt: Double)] {
        let rows = try Row.fetchAll(
            db, sql: "SELECT id, subject_id, review_at FROM denylist_entry WHERE state = 'active' AND review_at > ?", arguments: [time])
        var map: [SubjectID: (entry: String, reviewAt: Double)] = [:]
        for row in rows { if let subject = SubjectID(row["subject_id"] as String) { map[subject] = (row["id"], row["review_at"]) } }
        return map
    }

    /// Active entries whose review date is `time` or earlier, with their subjects
    /// (nil for one that is not a valid pseudonym: it lapses all the same).
    static func entriesDueToLapse(at time: Double, in db: Database) throws -> [(id: String, subject: SubjectID?)] {
        try Row.fetchAll(db, sql: "SELECT id, subject_id FROM denylist_entry WHERE state = 'active' AND review_at <= ?", arguments: [time])
            .map { row in (id: row["id"] as String, subject: SubjectID(row["subject_id"] as String)) }
    }

    static func markLapsed(_ id: String, at time: Double, in db: Database) throws {
        try db.execute(sql: "UPDATE denylist_entry SET state = 'lapsed', closed_at = ? WHERE id = ?", arguments: [time, id])
    }

    // MARK: Door alerts

    static func insert(_ alert: DoorAlert, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO door_alert (id, subject_id, entry_id, raised_at, expires_at, status) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [alert.id, alert.subject.rawValue, alert.entry, alert.raisedAt, alert.expiresAt, alert.status.rawValue])
    }

    /// An alert's status as stored and its subject, before a decision is recorded on it.
    static func alertStatus(_ id: String, in db: Database) throws -> (status: String, subject: SubjectID) {
        guard let row = try Row.fetchOne(db, sql: "SELECT status, subject_id FROM door_alert WHERE id = ?", arguments: [id]) else {
            throw ConsentError(.notFound, "no alert \(id)")
        }
        return (status: row["status"] as String, subject: try subject(of: row, in: "door alert \(id)"))
    }

    /// Records a person's decision on an alert, the reason sealed.
    static func confirmAlert(
        _ id: String, subject: SubjectID, decision: String, reason: String, by actor: String, at time: Double, vault: VaultStore,
        in db: Database
    ) throws {
        let sealed = try seal(reason, for: subject, purpose: SealedPurpose.door, vault: vault, in: db)
        try db.execute(
            sql: "UPDATE door_alert SET status = 'confirmed', decision = ?, reason = ?, decided_by = ?, decided_at = ? WHERE id = ?",
            arguments: [decision, sealed, actor, time, id])
    }

    /// Open alerts whose timeout passed by `time`, with their subjects (nil for one
    /// that is not a valid pseudonym: it expires all the same).
    static func alertsDueToExpire(at time: Double, in db: Database) throws -> [(id: String, subject: SubjectID?)] {
        try Row.fetchAll(db, sql: "SELECT id, subject_id FROM door_alert WHERE status = 'open' AND expires_at <= ?", arguments: [time])
            .map { row in (id: row["id"] as String, subject: SubjectID(row["subject_id"] as String)) }
    }

    static func markExpired(_ id: String, in db: Database) throws {
        try db.execute(sql: "UPDATE door_alert SET status = 'expired' WHERE id = ?", arguments: [id])
    }

    /// One alert, its decision's reason opened; a damaged subject is an error naming it.
    static func alert(_ id: String, vault: VaultStore, in db: Database) throws -> DoorAlert {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM door_alert WHERE id = ?", arguments: [id]) else {
            throw ConsentError(.notFound, "no alert \(id)")
        }
        let subject = try subject(of: row, in: "door alert \(id)")
        return DoorAlert(
            id: id, subject: subject, entry: row["entry_id"], raisedAt: row["raised_at"], expiresAt: row["expires_at"],
            status: DoorAlert.Status(rawValue: row["status"]) ?? .open, decision: row["decision"],
            reason: try open(row["reason"], for: subject, purpose: SealedPurpose.door, vault: vault, in: db),
            decidedBy: row["decided_by"], decidedAt: row["decided_at"])
    }

    /// Alerts (all, or a subject's), oldest first.
    static func alerts(of subject: SubjectID?, vault: VaultStore, in db: Database) throws -> [DoorAlert] {
        let ids: [String]
        if let subject {
            ids = try String.fetchAll(
                db, sql: "SELECT id FROM door_alert WHERE subject_id = ? ORDER BY raised_at", arguments: [subject.rawValue])
        } else {
            ids = try String.fetchAll(db, sql: "SELECT id FROM door_alert ORDER BY raised_at")
        }
        return try ids.map { try alert($0, vault: vault, in: db) }
    }

    // MARK: Row mapping

    /// The row's subject; a value that is not a pseudonym (the database was damaged
    /// or altered) is reported as such rather than taken for someone.
    private static func subject(of row: Row, in what: String) throws -> SubjectID {
        guard let subject = (row["subject_id"] as String?).flatMap(SubjectID.init) else {
            throw ConsentError(
                .conflict,
                "\(what) is damaged: its subject is not a valid pseudonym (the database was altered or damaged); restore a backup")
        }
        return subject
    }

    private static func seal(_ text: String?, for subject: SubjectID, purpose: String, vault: VaultStore, in db: Database) throws -> Data? {
        try text.map { Data(try vault.sealPersonal(Array($0.utf8), for: subject, purpose: purpose, in: db)) }
    }

    private static func open(
        _ sealed: Data?, for subject: SubjectID, purpose: String, vault: VaultStore, in db: Database
    ) throws -> String? {
        try sealed.flatMap { try vault.openPersonal([UInt8]($0), for: subject, purpose: purpose, in: db) }
            .map { String(decoding: $0, as: UTF8.self) }
    }
}
