import FacegateCore
import GRDB
public import Vault

/// Where a member this door holds was enrolled: here, or at the door of the fleet whose
/// copy this door adopted (its `subject.adopt` audit entry). Only that door's later
/// copies may change what this door holds of them (photos added, a panel credential).
public enum FleetOrigin: Sendable, Equatable {
    case here
    case door(String)
    case unknown

    static func of(_ subject: SubjectID, in db: Database) throws -> FleetOrigin {
        if try Bool.fetchOne(
            db, sql: "SELECT EXISTS(SELECT 1 FROM audit_entry WHERE action = 'subject.enrol' AND subject_id = ?)",
            arguments: [subject.rawValue])
            ?? false
        {
            return .here
        }
        let rows = try String.fetchAll(
            db, sql: "SELECT details FROM audit_entry WHERE action = 'subject.adopt' AND details LIKE ? ORDER BY seq",
            arguments: ["%\(subject.rawValue)%"])
        for details in rows {
            for copy in (try? JSONParser.parse(Array(details.utf8)))?.objectValue?["copies"]?.arrayValue ?? [] {
                if copy.objectValue?["subject"]?.stringValue == subject.rawValue,
                    let door = copy.objectValue?["origin_door"]?.stringValue
                {
                    return .door(door)
                }
            }
        }
        return .unknown
    }
}

extension ConsentRegistry {
    /// Where `subject` was enrolled, as this door's audit log records it.
    public func fleetOrigin(of subject: SubjectID) throws -> FleetOrigin {
        try vault.read { db in try FleetOrigin.of(subject, in: db) }
    }
}
