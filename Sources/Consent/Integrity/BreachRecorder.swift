import FacegateCore
import GRDB
import Vault

/// Breach events (`breach.detected`) in the audit log, for what the registry finds
/// at open, at the gallery load, in a sweep's key maintenance or an integrity check.
final class BreachRecorder: Sendable {
    let vault: VaultStore
    let audit: AuditLog

    init(vault: VaultStore, audit: AuditLog) {
        self.vault = vault
        self.audit = audit
    }

    /// Records a breach event unless the newest entry already records the same one
    /// (a service restarting in a loop must not flood the log).
    func recordOnce(check: String, problem: String, affectedSubjects: [String]) throws {
        try vault.write { db in
            if let head = try AuditLog.head(in: db), head.action == "breach.detected",
                head.details["check"]?.stringValue == check, head.details["problem"]?.stringValue == problem
            {
                return
            }
            try audit.recordBreach(check: check, problem: problem, affectedSubjects: affectedSubjects, in: db)
        }
    }

    /// A breach event for wrapped keys the last key maintenance could not open.
    func reportUnreadableKeys() throws {
        let unreadable = vault.unreadableSubjects
        guard !unreadable.isEmpty else { return }
        try recordOnce(
            check: "ciphertext",
            problem:
                "\(unreadable.count) wrapped key(s) failed authentication (altered or damaged); those subjects cannot be recognised. Erase them (`facegate erase`) or restore a backup",
            affectedSubjects: unreadable)
    }
}
