public import Consent
public import FacegateCore
public import Vault
import Logging

extension FacegateService {
    /// Non-personal facts about the appliance: in the daemon from memory (so it is
    /// answered at once, whatever else runs), in-process from the database.
    public func status() -> JSONValue {
        let policy = self.policy
        let counts: (subjects: Int, templates: Int) = servesDoor
            ? (registry.vault.gallery.subjectCount, registry.vault.gallery.templateCount)
            : ((try? registry.vault.counts()) ?? (0, 0))
        return [
            "version": .string(FacegateVersionInfo.current),
            "daemon": .bool(servesDoor),
            "state_dir": .string(registry.location.stateDirectory),
            "subjects": .int(counts.subjects),
            "templates": .int(counts.templates),
            "deny_list": .string(policy.denyList.isActive ? "enabled" : "disabled"),
            "policy": .string(policy.sourcePath),
            "time": .string(Timestamp.iso8601(registry.now)),
        ]
    }

    /// The Art. 15 response, with the subject's deny-list status.
    public func exportSubjectAccess(_ subject: SubjectID, caller: OSUser) throws -> ExportDocument {
        try registry.exportSubjectAccess(subject, actor: caller)
    }
}

extension FacegateService {
    /// Audits an admin command (all but `status`) with the OS user who ran it.
    public func auditCommand(_ command: String, caller: OSUser, outcome: String) {
        guard command != "status" else { return }
        audit(caller, "admin.command", ["command": .string(command), "outcome": .string(outcome), "uid": .int(Int(caller.uid))])
    }

    /// Audits a caller the admin socket refused.
    public func auditRefusal(_ caller: OSUser) {
        audit(caller, "admin.refused", ["uid": .int(Int(caller.uid)), "gid": .int(Int(caller.gid))])
    }

    /// The command has been answered already: a failed audit write is logged, not thrown.
    private func audit(_ caller: OSUser, _ action: String, _ details: JSONObject) {
        do {
            try registry.recordAudit(actor: caller, action: action, details: details)
        } catch {
            logger.error("writing an audit entry failed", metadata: ["audit.action": "\(action)", "error": "\(error)"])
        }
    }
}

/// The version the binary reports.
public enum FacegateVersionInfo {
    public static let current = "0.1.0"
}
