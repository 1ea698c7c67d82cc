public import Consent
import FacegateCore
import Fleet
import Foundation

/// What a command needs from the fleet's hub, read before it runs: the dispatcher
/// awaits it off the admin workers (the hub is a network round trip), then the command
/// runs as every other does. Today, every door's audit chain for the DPO's export.
extension ApplianceOperations {
    public struct HubReading: Sendable {
        public var fleetID: String
        public var sections: [FleetAuditSection]
    }

    /// Nil for a command that does not read the hub.
    public func readHub(for command: AdminCommand) async throws -> HubReading? {
        guard command == .exportFleetAudit else { return nil }
        let read = try await FleetAdministration.auditSections(
            location: registry.location, environment: ProcessInfo.processInfo.environment)
        return HubReading(fleetID: read.fleetID, sections: read.sections)
    }

    /// The fleet's audit export from what `readHub` read.
    func exportFleetAudit(_ reading: HubReading?, caller: Caller) throws -> JSONValue {
        guard let reading else { throw AdminError(.invalidRequest, "the fleet's audit export needs the hub's chains; none were read") }
        return try registry.exports.fleetAuditLog(sections: reading.sections, fleetID: reading.fleetID, actor: caller.actor).json
    }
}
