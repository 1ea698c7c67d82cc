import Consent
public import FacegateCore
import Logging

extension ApplianceOperations {
    /// Audits an admin command (all but `status`) with the OS user who ran it.
    public func auditCommand(_ command: String, caller: OSUser, outcome: String) {
        guard command != "status" else { return }
        audit(caller, "admin.command", ["command": .string(command), "outcome": .string(outcome), "uid": .int(Int(caller.uid))])
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
