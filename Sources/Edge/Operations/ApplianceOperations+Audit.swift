import Consent
public import FacegateCore
import Logging

extension ApplianceOperations {
    /// Audits a command (all but `status`) with who ran it: the OS user and uid, or the
    /// console account (`console:NAME`) and its role.
    public func auditCommand(_ command: String, caller: Caller, outcome: String) {
        guard command != "status" else { return }
        var details: JSONObject = ["command": .string(command), "outcome": .string(outcome)]
        for entry in Self.attribution(of: caller).entries { details[entry.key] = entry.value }
        audit(caller.actor, "admin.command", details)
    }

    /// What the audit records of a caller beside its name: the uid, or the console role.
    public static func attribution(of caller: Caller) -> JSONObject {
        switch caller {
        case .user(let user): ["uid": .int(Int(user.uid))]
        case .console(let account): ["role": .string(account.role.rawValue)]
        }
    }

    /// Audits what the admin request log summed up for `caller` (`AdminRequestLog`).
    public func auditRequests(_ caller: OSUser, _ details: JSONObject) {
        audit(caller, "admin.requests", details)
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
