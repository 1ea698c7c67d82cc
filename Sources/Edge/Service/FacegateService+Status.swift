public import Consent
public import FacegateCore
public import Vault

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

/// The version the binary reports.
public enum FacegateVersionInfo {
    public static let current = "0.1.0"
}
