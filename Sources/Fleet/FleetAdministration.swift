public import Consent
public import FacegateCore
public import Vault

/// `facegate fleet init|join|token|status`: creating a fleet on a hub, joining a door
/// to it with a one-time token, and what the hub knows of every door. The commands
/// run with the state directory's lock held (no daemon running), because they write
/// the door's `fleet.json`.
public enum FleetAdministration {
    /// How long a join token stays valid.
    public static let tokenValidity: Double = 24 * 3600

    /// What `fleet init` and `fleet join` leave: the door's membership, and for init,
    /// a first join token for the next door.
    public struct Joined: Sendable {
        public var membership: FleetMembership
        public var token: String?
        public var keyCreated: Bool
    }

    /// Creates the fleet on an empty hub: the fleet key (unless this door has one),
    /// the tables, the fleet's row, this door as its first member, and a join token.
    public static func initialize(
        hub text: String, doorName: String, location: VaultLocation, environment: [String: String], now: Double
    ) async throws -> Joined {
        let address = try HubAddress(parsing: text)
        try refuseIfJoined(location)
        return try await using(address, environment) { hub in
            // On a hub that holds a fleet already this still adds newer tables and records
            // the version: what a door's warning asks the database's owner to do.
            try await hub.upgradeSchema()
            if try await hub.fleetMeta() != nil {
                throw FleetError(
                    .fleetState,
                    "the hub \(address) already holds a fleet; join it with `facegate fleet join` and a token from one of its doors")
            }
            var keyCreated = false
            let secret: SecretKey
            if let existing = try? location.keys.loadFleetKey(environment: environment) {
                secret = existing
            } else {
                secret = try location.keys.createFleetKey()
                keyCreated = true
            }
            let fleetID = RandomToken.hex(8)
            let key = FleetKey(secret, fleetID: fleetID)
            try await hub.createFleet(id: fleetID, keyCheck: key.check, at: now)
            // The first key epoch is random: the fleet key (on every door, for good) must
            // not be able to compute any epoch's key.
            let epochs = try FleetEpochs.create(epoch: 1, key: SecretKey.random(), fleetID: fleetID, root: secret, directory: location.keys)
            let first = RandomToken.hex(16)
            try await hub.addJoinToken(first, at: now, validFor: 60, epochKey: nil)
            let membership = FleetMembership(hub: text, fleetID: fleetID, doorID: RandomToken.hex(8), doorName: doorName)
            try await hub.join(token: first, doorID: membership.doorID, name: doorName, at: now)
            try await hub.beginEpoch(1, afterSeq: 0, door: membership.doorID, at: now)
            try await registerDoorKey(hub, key: key, door: membership.doorID, location: location)
            try membership.save(to: location)
            let token = RandomToken.hex(16)
            try await hub.addJoinToken(token, at: now, validFor: tokenValidity, epochKey: epochs.sealedCurrent(forToken: token))
            return Joined(membership: membership, token: token, keyCreated: keyCreated)
        }
    }

    /// Joins this door to the hub's fleet with a token from `fleet init` or `fleet token`.
    /// The fleet key must already be here (copied from a door of the fleet).
    public static func join(
        hub text: String, token: String, doorName: String, location: VaultLocation, environment: [String: String], now: Double
    ) async throws -> Joined {
        let address = try HubAddress(parsing: text)
        try refuseIfJoined(location)
        let secret = try fleetKey(location: location, environment: environment)
        return try await using(address, environment) { hub in
            let fleetID = try await checkedFleet(hub, key: secret)
            let membership = FleetMembership(hub: text, fleetID: fleetID, doorID: RandomToken.hex(8), doorName: doorName)
            try await takeEpochKey(hub, token: token, fleetID: fleetID, root: secret, location: location, now: now)
            try await hub.join(token: token, doorID: membership.doorID, name: doorName, at: now)
            try await registerDoorKey(hub, key: FleetKey(secret, fleetID: fleetID), door: membership.doorID, location: location)
            try membership.save(to: location)
            return Joined(membership: membership, token: nil, keyCreated: false)
        }
    }

    /// Keeps the key epoch a join token carries (`FleetEpochs`) before the token is spent.
    /// A token from a door of an older version carries none: then a fleet made before
    /// epochs computes its first one at the first sync, and any other refuses the token.
    private static func takeEpochKey(
        _ hub: HubConnection, token: String, fleetID: String, root: SecretKey, location: VaultLocation, now: Double
    ) async throws {
        guard let carried = try await hub.tokenEpochKey(token, at: now) else {
            guard try await !hub.epochsRandom() else {
                throw FleetError(
                    .invalidToken,
                    "this join token carries no key epoch of the fleet (made by an older version, or spent): make a new one with `facegate fleet token` on a door of the fleet"
                )
            }
            return
        }
        guard let key = FleetEpochs.openToken(carried.sealed, epoch: carried.epoch, token: token, fleetID: fleetID, root: root) else {
            throw FleetError(
                .invalidToken, "the key epoch this join token carries does not open with it: make a new token with `facegate fleet token`")
        }
        _ = try FleetEpochs.create(epoch: carried.epoch, key: key, fleetID: fleetID, root: root, directory: location.keys)
    }

    /// The door's verification key on the hub, sealed with the fleet key and bound to the
    /// door, from its joining on: the other doors check every row it gives against it,
    /// and a writer to the hub without the fleet key can neither make nor move one.
    private static func registerDoorKey(_ hub: HubConnection, key: FleetKey, door: String, location: VaultLocation) async throws {
        let signing = try location.keys.loadSigningKey()
        try await hub.putAuditKey(key.seal(signing.publicKey, auditOf: door, seq: nil), door: door)
    }

    /// A new one-time join token, from a door of the fleet.
    public static func issueToken(location: VaultLocation, environment: [String: String], now: Double) async throws -> String {
        let membership = try joinedMembership(location)
        let secret = try fleetKey(location: location, environment: environment)
        return try await using(try HubAddress(parsing: membership.hub), environment) { hub in
            _ = try await checkedFleet(hub, key: secret)
            let token = RandomToken.hex(16)
            let epochs = try FleetEpochs.load(fleetID: membership.fleetID, root: secret, directory: location.keys)
            try await hub.addJoinToken(token, at: now, validFor: tokenValidity, epochKey: epochs?.sealedCurrent(forToken: token))
            return token
        }
    }

    /// Every door's last sync and lag (changes it has not applied yet), the hub's
    /// counts and the enrolments it refused.
    public static func status(location: VaultLocation, environment: [String: String], now: Double) async throws -> JSONValue {
        let membership = try joinedMembership(location)
        let address = try HubAddress(parsing: membership.hub)
        return try await using(address, environment) { hub in
            let last = try await hub.lastSequence()
            let counts = try await hub.counts()
            let doors = try await hub.doors()
            let names = Dictionary(doors.map { ($0.doorID, $0.name) }, uniquingKeysWith: { first, _ in first })
            let rejections = try await hub.rejections()
            let unsigned = try await hub.unsignedRows()
            // Nil on a hub its owner has not upgraded to version 4 yet.
            let epochs = try? await hub.epochs()
            let random = (try? await hub.epochsRandom()) ?? false
            return [
                "fleet": .string(membership.fleetID),
                "hub": .string(address.description),
                "this_door": .string(membership.doorName),
                "sequence": .int(Int(last)),
                "subjects": .int(counts.subjects),
                "erasures": .int(counts.erasures),
                "doors": .array(
                    doors.map { door in
                        [
                            "door": .string(door.name),
                            "last_sync": .string(door.lastSeenAt.map(Timestamp.iso8601)),
                            "seconds_since_sync": .double(door.lastSeenAt.map { (max(0, now - $0) * 10).rounded() / 10 }),
                            "lag": .int(Int(max(0, last - door.cursor))),
                            "role": .string(door.role),
                            "rejected_rows": .int(rejections.filter { $0.doorID == door.doorID }.count),
                        ]
                    }),
                "rejected": .array(
                    rejections.map { rejection in
                        [
                            "door": .string(names[rejection.doorID] ?? rejection.doorID), "sequence": .int(Int(rejection.seq)),
                            "kind": .string(rejection.kind), "subject": .string(rejection.subject),
                            "origin_door": .string(names[rejection.origin] ?? rejection.origin), "problem": .string(rejection.code),
                            "at": .string(Timestamp.iso8601(rejection.at)),
                        ]
                    }),
                // False for a fleet made before version 4: its epochs come from the fleet key,
                // and its hub's backups do not expire with them.
                "key_epochs_expire": .bool(epochs != nil && random),
                "key_epochs": epochs.map { epochs in
                    .array(
                        epochs.map { epoch in
                            ["epoch": .int(epoch.number), "destroy_after": .string(epoch.destroyAfter.map(Timestamp.iso8601))]
                        })
                } ?? .null,
                "unsigned": .array(
                    unsigned.sorted { $0.key < $1.key }.map { door, rows in
                        ["origin_door": .string(names[door] ?? door), "rows": .int(rows)]
                    }),
                "refused": .array(
                    try await hub.refusals().map { refusal in
                        [
                            "subject": .string(refusal.subject), "door": .string(names[refusal.doorID] ?? refusal.doorID),
                            "duplicate_of": .string(refusal.duplicateOf), "at": .string(Timestamp.iso8601(refusal.at)),
                            "reason": "the same face is already a member of the fleet",
                        ]
                    }),
            ] as JSONValue
        }
    }

    /// Every door's audit chain as the hub holds it, opened with the fleet key, for the
    /// DPO's fleet export. A row that does not open (altered, or moved from another
    /// door or place) is refused by name: the export is not made from a doubtful copy.
    public static func auditSections(location: VaultLocation, environment: [String: String]) async throws -> (
        fleetID: String, sections: [FleetAuditSection]
    ) {
        let membership = try joinedMembership(location)
        let secret = try fleetKey(location: location, environment: environment)
        return try await using(try HubAddress(parsing: membership.hub), environment) { hub in
            let fleetID = try await checkedFleet(hub, key: secret)
            let key = FleetKey(secret, fleetID: fleetID)
            let keys = try await hub.auditKeys()
            var sections: [FleetAuditSection] = []
            for door in try await hub.doors() {
                guard let sealed = keys[door.doorID] else { continue }  // joined, never synced its chain yet
                guard let publicKey = key.open(sealed, auditOf: door.doorID, seq: nil), publicKey.count == 32 else {
                    throw FleetError(
                        .integrityFailure,
                        "door '\(door.name)''s audit key on the hub \(hub.address) does not open with the fleet key: the hub's copy was altered; nothing was exported"
                    )
                }
                var lines: [String] = []
                var after = 0
                while true {
                    let page = try await hub.audit(of: door.doorID, after: after, limit: 1_000)
                    for row in page {
                        guard let opened = key.open(row.sealed, auditOf: door.doorID, seq: row.seq) else {
                            throw FleetError(
                                .integrityFailure,
                                "entry \(row.seq) of door '\(door.name)''s audit chain on the hub \(hub.address) does not open with the fleet key: the hub's copy was altered or moved; nothing was exported"
                            )
                        }
                        lines.append(contentsOf: String(decoding: opened, as: UTF8.self).split(separator: "\n").map(String.init))
                    }
                    guard let last = page.last, page.count == 1_000 else { break }
                    after = last.seq
                }
                sections.append(
                    FleetAuditSection(doorID: door.doorID, name: door.name, publicKey: publicKey, lastSyncAt: door.lastSeenAt, lines: lines)
                )
            }
            return (fleetID, sections)
        }
    }

    /// What `doctor` says of this door's fleet: that the hub answers, holds the fleet
    /// this door joined and opens with its key, and how far behind the door is. Nil
    /// when the door has not joined a fleet.
    public static func health(location: VaultLocation, environment: [String: String], now: Double) async throws -> String? {
        guard let membership = try FleetMembership.load(from: location) else { return nil }
        let secret = try fleetKey(location: location, environment: environment)
        let address = try HubAddress(parsing: membership.hub)
        return try await using(address, environment) { hub in
            let fleetID = try await checkedFleet(hub, key: secret)
            guard fleetID == membership.fleetID else {
                throw FleetError(
                    .fleetState,
                    "the hub \(address) holds the fleet \(fleetID), not the fleet \(membership.fleetID) this door joined; check the hub address in \(FleetMembership.path(in: location))"
                )
            }
            let last = try await hub.lastSequence()
            let door = try await hub.doors().first { $0.doorID == membership.doorID }
            let synced = door?.lastSeenAt.map {
                "last synced \(Int(max(0, now - $0))) s ago, \(max(0, last - (door?.cursor ?? 0))) change(s) behind"
            }
            return "\(address) answers, holds the fleet \(fleetID) and opens with this door's key; '\(membership.doorName)' "
                + (synced ?? "has not synced yet")
        }
    }

    /// Runs `body` on a new connection to the hub, closed after.
    static func using<T: Sendable>(
        _ address: HubAddress, _ environment: [String: String], _ body: (HubConnection) async throws -> T
    ) async throws -> T {
        let hub = try await HubConnection.connect(to: address, environment: environment)
        do {
            let value = try await body(hub)
            await hub.close()
            return value
        } catch {
            await hub.close()
            throw error
        }
    }

    /// The door's fleet key, with an error that says where it comes from.
    public static func fleetKey(location: VaultLocation, environment: [String: String]) throws -> SecretKey {
        let loaded: Result<SecretKey, VaultError> = Result { () throws(VaultError) in
            try location.keys.loadFleetKey(environment: environment)
        }
        switch loaded {
        case .success(let key): return key
        case .failure(let error) where error.code != .keyMissing: throw error
        case .failure:
            throw FleetError(
                .membership,
                "this door has no fleet key: copy keys/\(KeyDirectory.fleetKeyFileName) from a door of the fleet to \(location.keys.fleetKeyPath) (mode 0400), or load it as the systemd credential \(KeyDirectory.fleetKeyCredentialName)"
            )
        }
    }

    private static func checkedFleet(_ hub: HubConnection, key secret: SecretKey) async throws -> String {
        guard let meta = try await hub.fleetMeta() else {
            throw FleetError(
                .fleetState, "the hub \(hub.address) holds no fleet yet; create one with `facegate fleet init` on the first door")
        }
        guard FleetKey(secret, fleetID: meta.fleetID).opens(check: meta.keyCheck) else {
            throw FleetError(
                .wrongFleetKey,
                "this door's fleet key is not the fleet's: copy keys/\(KeyDirectory.fleetKeyFileName) from a door of this fleet (nothing was changed)"
            )
        }
        return meta.fleetID
    }

    private static func refuseIfJoined(_ location: VaultLocation) throws {
        if let membership = try FleetMembership.load(from: location) {
            throw FleetError(
                .membership,
                "this door already belongs to the fleet \(membership.fleetID) as '\(membership.doorName)' (\(FleetMembership.path(in: location)))"
            )
        }
    }

    private static func joinedMembership(_ location: VaultLocation) throws -> FleetMembership {
        guard let membership = try FleetMembership.load(from: location) else {
            throw FleetError(
                .membership, "this door has not joined a fleet; run `facegate fleet init --hub URL` (a new fleet) or `facegate fleet join`")
        }
        return membership
    }
}
