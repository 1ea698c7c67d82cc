import FacegateCore
import GRDB
import Vault

extension VaultStore {
    /// Free text for the audit log (a reason, a name, what a person is accused of),
    /// sealed with the subject's key so that their erasure makes it unreadable.
    func sealAuditText(_ object: JSONObject, subject: SubjectID, in db: Database) throws -> [UInt8] {
        try sealPersonal(Array(JSONValue.object(object).serialized.utf8), for: subject, purpose: "audit", in: db)
    }
}
