import FacegateCore
import Fleet
import Vault

extension Facegate.Doctor {
    /// A door of a fleet: the hub answers, holds this door's fleet, opens with its key.
    /// A hub that does not answer is a warning (the door decides alone until
    /// `fleet.max_offline_minutes`, then fails closed); a wrong key, fleet or password
    /// is a failure. Nil on a door that has not joined a fleet.
    static func fleetCheck(location: VaultLocation, environment: [String: String]) async -> Check? {
        do {
            guard let detail = try await FleetAdministration.health(location: location, environment: environment, now: Timestamp.now())
            else { return nil }
            return Check(name: "fleet", level: .ok, detail: detail)
        } catch let error as FleetError where error.code == .hubUnavailable {
            return Check(
                name: "fleet", level: .warn,
                detail: "\(error.message); members stop being recognised after fleet.max_offline_minutes without the hub")
        } catch {
            return Check(name: "fleet", level: .fail, detail: message(error))
        }
    }
}
