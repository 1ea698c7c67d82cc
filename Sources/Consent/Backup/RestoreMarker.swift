import FacegateCore
import FoundationEssentials
import Vault

#if canImport(Glibc)
    import Glibc
#endif

/// A small file `restore` writes before it replaces the database, so that the next
/// open audits the restore (`database.restore`), even if the process died between
/// the copy and the open.
struct RestoreMarker: Equatable {
    var actor: String
    var details: JSONObject

    static func write(_ marker: RestoreMarker, location: VaultLocation) throws {
        let text = JSONValue.object(["actor": .string(marker.actor), "details": .object(marker.details)]).serialized + "\n"
        unlink(location.restoreMarker)
        try AppendOnlyFile(path: location.restoreMarker).append(text)
    }

    static func read(location: VaultLocation) throws -> RestoreMarker? {
        let (lines, _) = try AppendOnlyFile(path: location.restoreMarker).lines()
        guard let line = lines.last, let value = try? JSONParser.parse(line) else { return nil }
        return RestoreMarker(actor: value["actor"]?.stringValue ?? OSUser.system.name, details: value["details"]?.objectValue ?? [:])
    }

    static func remove(location: VaultLocation) throws {
        guard unlink(location.restoreMarker) == 0 || errno == ENOENT else {
            throw ConsentError(.conflict, "cannot remove '\(location.restoreMarker)': \(String(cString: strerror(errno)))")
        }
    }
}
