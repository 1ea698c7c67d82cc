public import FacegateCore
import GRDB
public import Logging
import Synchronization
public import Vault

#if canImport(Glibc)
    import Glibc
#endif

extension ConsentRegistry {
    /// What a restore did.
    public struct RestoreReport: Sendable, Equatable {
        public var backup: String
        public var subjectsInBackup: Int
        public var subjects: Int
        /// Erasures made after the backup was taken, applied again.
        public var erasuresReapplied: Int
        /// Audit entries written after the backup was taken, put back from the audit file.
        public var auditEntriesPutBack: Int
        /// Where the audit file went when the backup's history was not its own.
        public var archivedAuditLog: String?

        public var json: JSONValue {
            [
                "restored": .string(backup), "subjects_in_backup": .int(subjectsInBackup), "subjects": .int(subjects),
                "erasures_reapplied": .int(erasuresReapplied), "audit_entries_put_back": .int(auditEntriesPutBack),
                "archived_audit_log": .string(archivedAuditLog),
            ]
        }
    }

    /// Replaces the database with a backup, then opens it the only way a database is
    /// opened: the audit entries written since the backup are put back from the audit
    /// file (so the chain goes on, it never forks), the restore is audited, every
    /// erasure and withdrawal in the journal is applied again (each audited), subjects
    /// move to the current key epoch, and the retention sweep runs — all before
    /// anything is served. A backup whose key epoch was destroyed (taken more than
    /// `backup_days` before an erasure) is refused before anything is replaced.
    ///
    /// Needs the state directory's lock as a command: never under a running daemon.
    public static func restore(
        from source: String, policy: Policy, location: VaultLocation, lock: StateDirectoryLock, environment: [String: String],
        clock: any WallClock = SystemWallClock(), logger: Logger, actor: OSUser
    ) throws -> (ConsentRegistry, RestoreReport) {
        let keys = try KeyRing.load(directory: location.keys, environment: environment)
        // A damaged erasure journal could hide an erasure the backup predates: the
        // restore stops before anything is replaced. The database there (if any) opens
        // far enough to record the breach and refuse; on a replacement device with none,
        // the restored database records it at its open below, which refuses the same way.
        do { try VaultStore.checkJournal(keys: keys) } catch let error as VaultError where error.code == .journalDamaged {
            if access(location.database, F_OK) == 0 {
                try open(
                    policy: policy, location: location, lock: lock, environment: environment, clock: clock, logger: logger,
                    loadGallery: false
                ).close()
            }
            if access(location.database, F_OK) == 0 { throw error }
        }
        let info = try VaultStore.inspectBackup(at: source, keys: keys, now: clock.now())
        let backupHead = try AuditLog.head(ofDatabaseAt: source)
        let file = try AuditFile(path: location.auditFile, anchorPath: location.auditAnchor)
        var archived: String?
        if let backupHead, file.last.seq > 0 {
            let continues = try file.entry(seq: backupHead.seq)?.hash == backupHead.hash
            if !continues { archived = try file.archive(reason: "replaced", at: clock.now()) }
        }
        var details: JSONObject = [
            "backup": .string(source), "backup_subjects": .int(info.subjects), "backup_last_seq": .int(backupHead?.seq ?? 0),
        ]
        if let archived { details["previous_audit_log"] = .string(archived) }
        try RestoreMarker.write(RestoreMarker(actor: actor.name, details: details), location: location)
        try VaultStore.replaceDatabase(at: location.database, with: source)
        let registry = try open(
            policy: policy, location: location, lock: lock, environment: environment, clock: clock, logger: logger, loadGallery: false,
            creating: true)
        _ = try registry.sweep(actor: actor)
        var putBack = 0
        if case .databaseCaughtUp(let entries, _) = registry.companion.reconciliation.withLock({ $0 }) { putBack = entries }
        let report = RestoreReport(
            backup: source, subjectsInBackup: info.subjects, subjects: try registry.vault.subjects().count,
            erasuresReapplied: registry.companion.replayedErasures.withLock { $0 }, auditEntriesPutBack: putBack,
            archivedAuditLog: archived)
        logger.notice(
            "database restored from a backup",
            metadata: ["restore.erasures_reapplied": "\(report.erasuresReapplied)", "restore.audit_entries_put_back": "\(putBack)"])
        return (registry, report)
    }

    /// Before a backup is copied: an erasure since the last sweep has its key epoch
    /// replaced now, so that the copy does not share the erased person's epoch (and
    /// expire with it).
    public func prepareBackup() throws -> JSONValue {
        _ = try vault.maintainKeys()
        try breaches.reportUnreadableKeys()
        return ["key_epoch": .int(vault.keys.currentEpoch)]
    }

    /// Audits a backup another process wrote (`facegate backup` copies the database
    /// itself, read-only, so that it can run beside the daemon): where it went and
    /// the key epochs the copy needs (read from the copy).
    public func recordBackup(destination: String, epochs: [Int], actor: OSUser) throws -> JSONValue {
        guard !destination.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw ConsentError(.invalidArgument, "a backup destination has no control characters")
        }
        let subjects = try vault.counts().subjects
        let details: JSONObject = [
            "destination": .string(destination), "subjects": .int(subjects), "key_epochs": .array(epochs.map(JSONValue.int)),
        ]
        _ = try vault.write { db in try audit.append(actor: actor.name, action: "database.backup", details: details, in: db) }
        return .object(details)
    }
}

extension AuditLog {
    /// The last audit entry of a database file (a backup), read-only.
    static func head(ofDatabaseAt path: String) throws -> AuditEntry? {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            guard try db.tableExists("audit_entry") else { return nil }
            return try head(in: db)
        }
    }
}
