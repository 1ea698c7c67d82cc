import FacegateCore
import FoundationEssentials
import GRDB
import Synchronization
import Vault

/// The consent module's side of the vault (`VaultCompanion`): its tables, the audit
/// log catching up with its file when the vault opens, and what every erasure and
/// withdrawal does to consent records, visits, incidents, the deny-list, door
/// alerts and cards, with the audit entry, in the vault's transaction.
///
/// It is the only code that runs when a subject leaves, whatever the way (erase,
/// withdrawal, retention, a replayed journal after a crash, a restore or another
/// process): `VaultStore.forget` and its journal replay call it, and nothing else
/// deletes a subject.
final class ConsentCompanion: VaultCompanion, @unchecked Sendable {
    let audit: AuditLog
    let cache: ConsentCache
    let clock: any WallClock
    let location: VaultLocation
    private let vault = Mutex<VaultStore?>(nil)
    /// Erasures finished from the journal since open (a restore reports them).
    let replayedErasures = Mutex(0)
    /// What happened to the audit log at open.
    let reconciliation = Mutex<AuditLog.Reconciliation?>(nil)

    init(audit: AuditLog, cache: ConsentCache, clock: any WallClock, location: VaultLocation) {
        self.audit = audit
        self.cache = cache
        self.clock = clock
        self.location = location
    }

    func registerMigrations(_ migrator: inout DatabaseMigrator) {
        ConsentMigrations.register(&migrator)
    }

    func vaultDidOpen(_ vault: VaultStore) throws {
        self.vault.withLock { $0 = vault }
        let now = clock.now()
        let headBefore = try vault.read { db in try AuditLog.head(in: db)?.seq ?? 0 }
        // Read before anything writes a newer checkpoint over it.
        let anchor = audit.file.anchor().flatMap { checkpoint in
            SignatureVerifier.isValid(
                signature: checkpoint.signature,
                message: AuditCheckpoint.message(seq: checkpoint.seq, hash: checkpoint.hash, time: checkpoint.time),
                publicKey: audit.publicKey) ? checkpoint : nil
        }
        let outcome = try audit.reconcile(vault: vault, now: now)
        reconciliation.withLock { $0 = outcome }
        let marker = try RestoreMarker.read(location: location)
        let headAfter = try vault.read { db in try AuditLog.head(in: db)?.seq ?? 0 }
        try vault.write { db in
            if let anchor, anchor.seq > headAfter, marker == nil {
                try audit.recordBreach(
                    check: "audit_chain",
                    problem:
                        "the audit log ends at entry \(headAfter), but the device signed entry \(anchor.seq) on \(anchor.time) (\(audit.file.anchorPath)): the newest entries were removed from the database and from \(audit.file.path)",
                    affectedSubjects: [], in: db)
                try audit.checkpoint(in: db)  // the anchor moves to the log as it now is: reported once
            }
            if let marker {
                var details = marker.details
                if let anchor, anchor.seq > headAfter {
                    // A restore on a replacement device: what the lost device wrote after
                    // the backup is not here (its exports, if any, are the only copy).
                    details["entries_not_on_this_device"] = .string("\(headAfter + 1)-\(anchor.seq)")
                }
                // Killed before the copy: the database is still the old one.
                if details["backup_last_seq"]?.intValue != headBefore {
                    details["outcome"] = "interrupted before the database was replaced"
                }
                if case .databaseCaughtUp(let entries, _) = outcome { details["entries_put_back"] = .int(entries) }
                try audit.append(actor: marker.actor, action: "database.restore", details: details, in: db)
                try audit.checkpoint(in: db)
            }
            switch outcome {
            case .inStep, .fileCaughtUp:
                break
            case .databaseCaughtUp(let entries, let after) where marker == nil:
                try audit.recordBreach(
                    check: "audit_chain",
                    problem:
                        "\(entries) audit entries after entry \(after) were missing from the database and were put back from \(audit.file.path): the database was replaced outside `facegate restore`, or its newest entries were deleted",
                    affectedSubjects: [], in: db)
            case .databaseCaughtUp:
                break
            case .gapsFilled(let entries):
                try audit.recordBreach(
                    check: "audit_chain",
                    problem:
                        "\(entries) audit entries had been deleted from the middle of the database's log; they were put back from \(audit.file.path)",
                    affectedSubjects: [], in: db)
            case .forked(let seq, let archived):
                try audit.recordBreach(
                    check: "audit_chain",
                    problem:
                        "the audit log in the database and \(audit.file.path) disagree from entry \(seq); the file was kept as \(archived) and a new one started from the database",
                    affectedSubjects: [], in: db)
            }
        }
        if marker != nil { try RestoreMarker.remove(location: location) }
    }

    func erasuresOnRecord(in db: Database) throws -> [ErasureJournal.Entry] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT subject_id, time, actor, action, details FROM audit_entry
                WHERE subject_id IS NOT NULL
                  AND (action IN ('subject.erase', 'retention.expire') OR (action = 'consent.withdraw' AND details LIKE '%"erased":true%'))
                """)
        let now = clock.now()
        return rows.compactMap { row -> ErasureJournal.Entry? in
            guard let subject = (row["subject_id"] as String?).flatMap(SubjectID.init) else { return nil }
            let action: String = row["action"]
            let reason: ConsentRegistry.ErasureReason =
                switch action {
                case "retention.expire": .retention
                case "consent.withdraw": .withdrawal
                default:
                    (try? JSONParser.parse(row["details"] as String))?["reason"]?.stringValue.flatMap(ConsentRegistry.ErasureReason.init)
                        ?? .request
                }
            return ErasureJournal.Entry(
                subject: subject, scope: .subject(reason: reason.rawValue), actor: row["actor"], at: Timestamp.parse(row["time"]) ?? now)
        }
    }

    func subjectsHeld(among candidates: Set<SubjectID>, in db: Database) throws -> Set<SubjectID> {
        let statement = try db.cachedStatement(
            sql: """
                SELECT EXISTS(SELECT 1 FROM consent_record WHERE subject_id = ?1 AND erased_at IS NULL)
                    OR EXISTS(SELECT 1 FROM access_event WHERE subject_id = ?1)
                    OR EXISTS(SELECT 1 FROM incident WHERE subject_id = ?1)
                    OR EXISTS(SELECT 1 FROM denylist_entry WHERE subject_id = ?1)
                    OR EXISTS(SELECT 1 FROM door_alert WHERE subject_id = ?1)
                    OR EXISTS(SELECT 1 FROM member_card WHERE subject_id = ?1)
                    OR EXISTS(SELECT 1 FROM panel_credential WHERE subject_id = ?1)
                """)
        return try candidates.filter { try Bool.fetchOne(statement, arguments: [$0.rawValue]) ?? false }
    }

    func erase(_ entry: ErasureJournal.Entry, replayed: Bool, in db: Database) throws {
        guard case .subject(let reasonText) = entry.scope else { return }
        let reason = ConsentRegistry.ErasureReason(rawValue: reasonText) ?? .request
        let subject = entry.subject
        let purposes = try ConsentStore.active(of: subject, at: entry.at, in: db)?.purposes
        if reason == .withdrawal { _ = try ConsentStore.markWithdrawn(subject, at: entry.at, in: db) }
        try ConsentStore.markErased(subject, at: entry.at, in: db)
        try VisitStore.deleteVisits(of: subject, in: db)
        try DenyListStore.deleteRows(of: subject, in: db)
        try CardStore.delete(of: subject, in: db)
        try PanelCredentialStore.delete(of: subject, in: db)
        var details: JSONObject = ["reason": .string(reason.rawValue)]
        if reason == .withdrawal {
            details["purposes"] = .array((purposes ?? []).map(JSONValue.string))
            details["erased"] = true
        }
        if replayed {
            details["replayed"] = true
            replayedErasures.withLock { $0 += 1 }
        }
        try audit.append(actor: entry.actor, action: reason.auditAction, subject: subject, details: details, in: db)
    }

    func withdraw(_ entry: ErasureJournal.Entry, replayed: Bool, in db: Database) throws {
        guard case .purposes(let purposes) = entry.scope,
            let current = try ConsentStore.active(of: entry.subject, at: clock.now(), in: db)
        else { return }
        let withdrawn = Set(purposes).intersection(current.purposes)
        guard !withdrawn.isEmpty else { return }  // already withdrawn: a replay
        // Not a new consent: the remaining purposes keep the time and the operator of
        // the consent they were given with; the record says what was withdrawn, when.
        var replacement = current
        replacement.id = RandomToken.hex(16)
        replacement.purposes = current.purposes.filter { !withdrawn.contains($0) }
        replacement.partialWithdrawal = .init(purposes: withdrawn.sorted(), at: entry.at)
        try ConsentStore.insert(replacement, in: db)
        try ConsentStore.supersede(current.id, by: replacement.id, in: db)
        if withdrawn.contains(ConsentRegistry.analyticsPurpose) {
            try VisitStore.deleteVisits(of: entry.subject, in: db)
        }
        var details: JSONObject = [
            "purposes": .array(withdrawn.sorted().map(JSONValue.string)), "erased": false, "consent_record": .string(replacement.id),
            "reason": "partial_withdrawal", "replaces": .string(current.id),
            "remaining_purposes": .array(replacement.purposes.map(JSONValue.string)),
        ]
        if replayed { details["replayed"] = true }
        try audit.append(actor: entry.actor, action: "consent.withdraw", subject: entry.subject, details: details, in: db)
    }

    func didForget(_ entry: ErasureJournal.Entry) {
        switch entry.scope {
        case .subject:
            cache.forget(entry.subject)
        case .purposes:
            let now = clock.now()
            let active = try? vault.withLock { $0 }?.read { db in try ConsentStore.active(of: entry.subject, at: now, in: db) }
            cache.setConsent(active.flatMap { $0 }.map(ConsentRegistry.ActiveConsent.init(record:)), of: entry.subject)
        }
    }
}

extension ConsentCompanion {
    /// A breach event for a damaged erasure journal, once (a service restarting in a
    /// loop adds no more): an erasure may be hidden by the damage.
    func journalDamaged(line: Int, reason: String, path: String) throws {
        guard let vault = vault.withLock({ $0 }) else { return }
        try BreachRecorder(vault: vault, audit: audit).recordOnce(
            check: "erasure_journal",
            problem:
                "the erasure journal \(path) is damaged at line \(line): \(reason); nothing opens until an intact copy is put back or the damage is accepted (facegate keys accept-damaged-journal)",
            affectedSubjects: [])
    }
}

extension ConsentRegistry.ErasureReason {
    /// The audit action each way of leaving is recorded as.
    var auditAction: String {
        switch self {
        case .request, .integrity, .duplicate: "subject.erase"
        case .withdrawal: "consent.withdraw"
        case .retention: "retention.expire"
        }
    }
}

extension ConsentRegistry.ActiveConsent {
    init(record: ConsentRecord) {
        self.init(record: record.id, purposes: Set(record.purposes), expiresAt: record.expiresAt)
    }
}
