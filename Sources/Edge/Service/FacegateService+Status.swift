public import Consent
public import FacegateCore
public import Vault
import Logging

extension FacegateService {
    /// Non-personal facts about the running appliance.
    public func status() -> JSONValue {
        let policy = self.policy
        return [
            "version": .string(FacegateVersionInfo.current),
            "subjects": .int(registry.vault.gallery.subjectCount),
            "templates": .int(registry.vault.gallery.templateCount),
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
        do {
            _ = try registry.vault.write { db in
                try self.registry.audit.append(
                    actor: caller.name, action: "admin.command", details: ["command": .string(command), "outcome": .string(outcome), "uid": .int(Int(caller.uid))], in: db)
            }
        } catch {
            logger.error("auditing an admin command failed", metadata: ["error": "\(error)"])
        }
    }

    /// Audits a caller the admin socket refused.
    public func auditRefusal(_ caller: OSUser) {
        do {
            _ = try registry.vault.write { db in
                try self.registry.audit.append(
                    actor: caller.name, action: "admin.refused", details: ["uid": .int(Int(caller.uid)), "gid": .int(Int(caller.gid))], in: db)
            }
        } catch {
            logger.error("auditing a refused caller failed", metadata: ["error": "\(error)"])
        }
    }
}

/// The version the binary reports.
public enum FacegateVersionInfo {
    public static let current = "0.1.0"
}
