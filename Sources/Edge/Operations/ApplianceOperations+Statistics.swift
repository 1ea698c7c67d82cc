import Consent
public import FacegateCore
import Vault

extension ApplianceOperations {
    /// Whether `caller` sees the regulars (pseudonyms and per-person rows) in the
    /// statistics: admins on the device and console admins. A console DPO sees the
    /// aggregates only: daily counters, visits by hour, how many regulars per segment.
    public func seesRegulars(_ caller: Caller) -> Bool {
        switch caller {
        case .user(let user): isAdmin(user)
        case .console(let account): account.role == .admin
        }
    }

    /// The `stats` answer for `caller` (`VisitLog.statistics`): without the regulars
    /// for whoever may not see people; with each regular's name when `names` is asked
    /// by whoever may see them (audited, as for `subjects`).
    public func statistics(days: Int, names: Bool, caller: Caller) throws -> JSONValue {
        guard seesRegulars(caller) else {
            if names {
                throw OperationError(.notPermitted, "the regulars' names are for admins; this role sees the statistics' aggregates only")
            }
            return VisitLog.aggregate(try registry.statistics(days: days))
        }
        let answer = try registry.statistics(days: days)
        guard names, var object = answer.objectValue else { return answer }
        if !seesNames(caller) {
            throw OperationError(.notPermitted, "only root or members of '\(policy.appliance.adminGroup)' may list names")
        }
        let regulars = object["regulars"]?.arrayValue ?? []
        object["regulars"] = .array(
            regulars.map { regular in
                guard var row = regular.objectValue, let subject = row["subject"]?.stringValue.flatMap(SubjectID.init) else {
                    return regular
                }
                // A member erased since their visit was read has no name left to show.
                row["name"] = (try? registry.vault.profile(of: subject).displayName).map { .string(DisplayText.neutralised($0)) } ?? .null
                return .object(row)
            })
        try registry.recordAudit(actor: caller.actor, action: "stats.list_names", details: ["regulars": .int(regulars.count)])
        return .object(object)
    }
}
