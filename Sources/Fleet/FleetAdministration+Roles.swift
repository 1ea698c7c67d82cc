public import FacegateCore
public import Vault

/// `facegate fleet role`: a hub role of its own for each door, with the least rights
/// (`HubSchema.doorRoleStatements`): it can add only rows of its own door and sign
/// them, update only its own sync record and key, and never alter another door's rows.
extension FleetAdministration {
    /// What `fleet role` made or prints.
    public struct DoorRole: Sendable {
        public var door: String
        public var role: String
        /// The SQL the hub's owner runs (printed when the command does not run it).
        public var statements: [String]
        /// The address the door connects with (the hub's, with the door's role as user).
        public var url: String?
        /// The role was created (or already there) and bound on the hub by this command.
        public var applied: Bool
        /// An existing door of that name now connects as it (its `fleet.json`, here).
        public var switchedThisDoor: Bool
    }

    /// The role name for a door: `facegate_door_` and the name in lower-case letters,
    /// digits and underscores (PostgreSQL's 63-byte limit).
    public static func roleName(forDoor name: String) throws(FleetError) -> String {
        let cleaned = String(
            name.lowercased().unicodeScalars.map { scalar -> Character in
                (scalar.isASCII && (("a"..."z").contains(scalar) || ("0"..."9").contains(scalar))) ? Character(scalar) : "_"
            })
        guard cleaned.contains(where: { $0 != "_" }) else {
            throw FleetError(.invalidAddress, "the door name '\(name)' has no letter or digit to name its hub role with; choose another")
        }
        return String((HubSchema.doorGroup + "_" + cleaned).prefix(63))
    }

    /// The SQL that gives the door `name` its role: the login role, a member of the
    /// doors' group, and bound to the door when it has joined (a door that joins with
    /// the role binds it itself).
    static func roleStatements(role: String, door name: String) -> [String] {
        let quotedName = "'" + name.replacing("'", with: "''") + "'"
        return [
            "CREATE ROLE \(role) LOGIN IN ROLE \(HubSchema.doorGroup);",
            "UPDATE fleet_door SET role = '\(role)' WHERE name = \(quotedName);",
        ]
    }

    /// Makes (with `owner`, the address of the hub's owner, a role that may create
    /// roles) or prints (without it) the hub role of the door `name`. When this state
    /// directory is that door, its `fleet.json` is switched to the role (the caller
    /// holds the state directory's lock).
    public static func doorRole(door name: String, hub owner: String?, location: VaultLocation, environment: [String: String])
        async throws -> DoorRole
    {
        let role = try roleName(forDoor: name)
        let membership = try FleetMembership.load(from: location)
        var result = DoorRole(
            door: name, role: role, statements: roleStatements(role: role, door: name),
            url: try (owner ?? membership?.hub).map { text throws(FleetError) in try HubAddress(parsing: text).replacingUser(with: role) },
            applied: false, switchedThisDoor: false)
        guard let owner else { return result }
        let address = try HubAddress(parsing: owner)
        try await using(address, environment) { hub in
            guard try await hub.fleetMeta() != nil else {
                throw FleetError(
                    .fleetState, "the hub \(address) holds no fleet yet; create one with `facegate fleet init` on the first door")
            }
            try await hub.createDoorLoginRole(role)
            try await hub.bindRole(role, toDoorNamed: name)
        }
        result.applied = true
        if var membership, membership.doorName == name, let url = result.url {
            membership.hub = url
            try membership.save(to: location)
            result.switchedThisDoor = true
        }
        return result
    }
}
