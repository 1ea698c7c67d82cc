public import FacegateCore
import FoundationEssentials
public import Vault

/// That this door belongs to a fleet, and where it stands: `fleet.json` in the state
/// directory (the hub's address, the fleet's and this door's identifiers, how far the
/// door has applied the hub's changes, and when it last heard from the hub). No key:
/// the fleet key stays in the key directory or its systemd credential.
public struct FleetMembership: Sendable, Equatable {
    public static let fileName = "fleet.json"

    public var hub: String
    public var fleetID: String
    public var doorID: String
    public var doorName: String
    /// The hub's change sequence this door has applied up to.
    public var cursor: Int64
    /// When this door last completed a sync: a door restarted after a long partition
    /// must not recognise anyone before it has heard from the hub again.
    public var lastHeardAt: Double?
    /// The last number this door gave a row it signed (`SignedChange`). Saved before the
    /// rows reach the hub: a number is never given twice, which the other doors would
    /// take for a replay.
    public var signedThrough: Int64
    /// For each door, the highest number of its rows this door has applied: a row at or
    /// below it is a replay (or out of order) and is refused.
    public var applied: [String: Int64]
    /// The audit entry up to which photos added here (`subject.add_photos`) have reached
    /// the hub: the copies of members given photos after it are given again.
    public var photosGivenThrough: Int = 0

    public init(
        hub: String, fleetID: String, doorID: String, doorName: String, cursor: Int64 = 0, lastHeardAt: Double? = nil,
        signedThrough: Int64 = 0, applied: [String: Int64] = [:], photosGivenThrough: Int = 0
    ) {
        self.photosGivenThrough = photosGivenThrough
        self.hub = hub
        self.fleetID = fleetID
        self.doorID = doorID
        self.doorName = doorName
        self.cursor = cursor
        self.lastHeardAt = lastHeardAt
        self.signedThrough = signedThrough
        self.applied = applied
    }

    /// How the Art. 30 record names the hub among the recipients.
    public var recordOfProcessingRecipient: String {
        let address = (try? HubAddress(parsing: hub))?.description ?? "PostgreSQL"
        return
            "the fleet's hub (\(address)), a recipient of ciphertext only: each member's templates, profile and consent record sealed with a key of its own, wrapped under the fleet's key epoch, whose keys stay on the doors; in the clear only pseudonyms, times, door names and erasure reasons"
    }

    public static func path(in location: VaultLocation) -> String { location.stateDirectory + "/" + fileName }

    /// The door's membership, or nil for a single box.
    public static func load(from location: VaultLocation) throws(FleetError) -> FleetMembership? {
        let path = path(in: location)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FleetError(.storageFailure, "cannot read '\(path)'; check its owner and mode (0600, the service user's)")
        }
        let damaged = FleetError(
            .storageFailure, "'\(path)' is damaged; run `facegate fleet join` again with a new token (nothing enrolled is lost)")
        guard case .object(let object)? = try? JSONParser.parse([UInt8](data)),
            let hub = object["hub"]?.stringValue, let fleet = object["fleet_id"]?.stringValue,
            let door = object["door_id"]?.stringValue, let name = object["door_name"]?.stringValue,
            let cursor = object["cursor"]?.doubleValue
        else { throw damaged }
        var applied: [String: Int64] = [:]
        if case .object(let doors)? = object["applied"] {
            for entry in doors.entries {
                guard let number = entry.value.doubleValue else { throw damaged }
                applied[entry.key] = Int64(number)
            }
        }
        return FleetMembership(
            hub: hub, fleetID: fleet, doorID: door, doorName: name, cursor: Int64(cursor),
            lastHeardAt: object["last_heard_at"]?.doubleValue,
            signedThrough: Int64(object["signed_through"]?.doubleValue ?? 0), applied: applied,
            photosGivenThrough: Int(object["photos_given_through"]?.doubleValue ?? 0))
    }

    public func save(to location: VaultLocation) throws(FleetError) {
        var object: JSONObject = [
            "hub": .string(hub), "fleet_id": .string(fleetID), "door_id": .string(doorID), "door_name": .string(doorName),
            "cursor": .int(Int(cursor)), "signed_through": .int(Int(signedThrough)), "photos_given_through": .int(photosGivenThrough),
            "applied": .object(JSONObject(applied.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int(Int($0.value))) })),
        ]
        if let lastHeardAt { object["last_heard_at"] = .double(lastHeardAt) }
        do {
            try location.replaceStateFile(Self.fileName, with: Array(JSONValue.object(object).serialized.utf8))
        } catch {
            throw FleetError(
                .storageFailure, "cannot write '\(Self.path(in: location))': \((error as? any UserFacingError)?.message ?? "\(error)")")
        }
    }
}
