import FacegateCore
import NIOCore
import PostgresNIO

/// The statements of the fleet, on the hub's tables (`HubSchema`).
extension HubConnection {
    // MARK: The fleet

    /// Creates the tables if missing.
    func createSchema() async throws(FleetError) {
        for statement in HubSchema.statements {
            try await rows(PostgresQuery(unsafeSQL: statement), doing: "create the fleet's tables on")
        }
    }

    /// The fleet this hub holds, and the version of the tables it was made or last
    /// upgraded with; nil when `fleet init` has not run.
    func fleetMeta() async throws(FleetError) -> (fleetID: String, keyCheck: [UInt8], schemaVersion: Int)? {
        guard
            let row = try await rows("SELECT fleet_id, key_check, schema_version FROM fleet_meta", doing: "read the fleet from").first
        else {
            return nil
        }
        let (fleet, check, version) = try decode(row, as: (String, ByteBuffer, Int32).self)
        return (fleet, Array(check.readableBytesView), Int(version))
    }

    /// Adds the tables a newer version uses to an older hub (every statement is
    /// idempotent) and records the version, so that no door runs DDL on it again.
    func upgradeSchema() async throws(FleetError) {
        try await createSchema()
        try await rows(
            "UPDATE fleet_meta SET schema_version = \(HubSchema.version) WHERE schema_version < \(HubSchema.version)",
            doing: "record the tables' version on")
    }

    func createFleet(id: String, keyCheck: [UInt8], at now: Double) async throws(FleetError) {
        let inserted = try await rows(
            """
            INSERT INTO fleet_meta (fleet_id, key_check, schema_version, created_at)
            VALUES (\(id), \(ByteBuffer(bytes: keyCheck)), \(HubSchema.version), \(now))
            ON CONFLICT DO NOTHING RETURNING fleet_id
            """, doing: "create the fleet on")
        guard !inserted.isEmpty else {
            throw FleetError(
                .fleetState,
                "the hub \(address) already holds a fleet; join it with `facegate fleet join` and a token from one of its doors")
        }
    }

    // MARK: Doors

    /// Records a one-time join token (its SHA-256 only) valid for `seconds`.
    func addJoinToken(_ token: String, at now: Double, validFor seconds: Double) async throws(FleetError) {
        try await rows(
            """
            INSERT INTO fleet_join_token (token_sha256, created_at, expires_at)
            VALUES (sha256(convert_to(\(token), 'UTF8')), \(now), \(now + seconds))
            """, doing: "record a join token on")
    }

    /// Spends a join token and records the door; the token cannot be used again.
    func join(token: String, doorID: String, name: String, at now: Double) async throws(FleetError) {
        try await inWriteTransaction(doing: "join") { () async throws(FleetError) in
            let spent = try await rows(
                """
                UPDATE fleet_join_token SET used_by = \(doorID)
                WHERE token_sha256 = sha256(convert_to(\(token), 'UTF8')) AND used_by IS NULL AND expires_at > \(now)
                RETURNING created_at
                """, doing: "check the join token with")
            guard !spent.isEmpty else {
                throw FleetError(
                    .invalidToken,
                    "the hub \(address) does not know this join token, or it was used or has expired; make a new one with `facegate fleet token` on a door of the fleet"
                )
            }
            let taken = try await rows("SELECT door_id FROM fleet_door WHERE name = \(name)", doing: "check the door's name with")
            guard taken.isEmpty else {
                throw FleetError(
                    .membership,
                    "the fleet already has a door named '\(name)'; choose another name with --name (the token is spent: make a new one)")
            }
            try await rows(
                "INSERT INTO fleet_door (door_id, name, joined_at, last_seen_at) VALUES (\(doorID), \(name), \(now), \(now))",
                doing: "record the door on")
        }
    }

    /// Records that a door synced, and how far. A hub restored from a backup older than
    /// the door's joining learns of the door again here.
    func touch(doorID: String, name: String, cursor: Int64, at now: Double) async throws(FleetError) {
        try await rows(
            """
            INSERT INTO fleet_door (door_id, name, joined_at, last_seen_at, cursor) VALUES (\(doorID), \(name), \(now), \(now), \(cursor))
            ON CONFLICT (door_id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, cursor = EXCLUDED.cursor
            """, doing: "record the door's sync on")
    }

    /// How far the hub last recorded this door to have applied (nil: it does not know
    /// the door). Behind the door's own cursor, it means the hub lost its latest
    /// changes: it was restored from a backup.
    func recordedCursor(of doorID: String) async throws(FleetError) -> Int64? {
        let rows = try await rows("SELECT cursor FROM fleet_door WHERE door_id = \(doorID)", doing: "read the door's cursor on")
        return try rows.first.map { row throws(FleetError) in try decode(row, as: Int64.self) }
    }

    func doors() async throws(FleetError) -> [HubDoor] {
        try await rows("SELECT door_id, name, joined_at, last_seen_at, cursor FROM fleet_door ORDER BY name", doing: "list the doors of")
            .map { row throws(FleetError) in
                let (id, name, joined, seen, cursor) = try decode(row, as: (String, String, Double, Double?, Int64).self)
                return HubDoor(doorID: id, name: name, joinedAt: joined, lastSeenAt: seen, cursor: cursor)
            }
    }

    // MARK: Changes

    /// The newest sequence number the hub has given (0 for none).
    func lastSequence() async throws(FleetError) -> Int64 {
        let rows = try await rows(
            """
            SELECT GREATEST((SELECT COALESCE(MAX(seq), 0) FROM fleet_subject), (SELECT COALESCE(MAX(seq), 0) FROM fleet_erasure),
                (SELECT COALESCE(MAX(seq), 0) FROM fleet_withdrawal))
            """,
            doing: "read the change sequence of")
        return try rows.first.map { row throws(FleetError) in try decode(row, as: Int64.self) } ?? 0
    }

    /// The changes after `cursor`, oldest first, at most `limit`.
    func changes(after cursor: Int64, limit: Int) async throws(FleetError) -> [HubChange] {
        try await rows(
            """
            SELECT seq, subject, sealed, origin_door, NULL::text, 's' FROM fleet_subject WHERE seq > \(cursor)
            UNION ALL
            SELECT seq, subject, NULL::bytea, origin_door, reason, 'e' FROM fleet_erasure WHERE seq > \(cursor)
            UNION ALL
            SELECT seq, subject, NULL::bytea, origin_door, purpose, 'w' FROM fleet_withdrawal WHERE seq > \(cursor)
            ORDER BY 1 LIMIT \(limit)
            """, doing: "read the changes of"
        ).map { row throws(FleetError) in
            let (seq, subject, sealed, origin, text, kind) = try decode(row, as: (Int64, String, ByteBuffer?, String, String?, String).self)
            let change: HubChange.Kind =
                switch kind {
                case "s": .subject(sealed: Array(sealed?.readableBytesView ?? ByteBuffer().readableBytesView))
                case "w": .withdrawal(purpose: text ?? "")
                default: .erasure(reason: text ?? "request")
                }
            return HubChange(sequence: seq, subject: subject, originDoor: origin, kind: change)
        }
    }

    /// Gives the hub purposes withdrawn from subjects who stay (a door's journal), once
    /// each. Returns how many the hub did not have yet.
    @discardableResult
    func addWithdrawals(_ withdrawals: [(subject: String, purpose: String, at: Double)], door: String) async throws(FleetError) -> Int {
        guard !withdrawals.isEmpty else { return 0 }
        return try await inWriteTransaction(doing: "record withdrawals on") { () async throws(FleetError) -> Int in
            let added = try await rows(
                """
                INSERT INTO fleet_withdrawal (subject, purpose, seq, origin_door, withdrawn_at)
                SELECT w.subject, w.purpose, nextval('fleet_change_seq'), \(door), w.at
                FROM unnest(\(withdrawals.map(\.subject))::text[], \(withdrawals.map(\.purpose))::text[], \(withdrawals.map(\.at))::float8[])
                    AS w(subject, purpose, at)
                ON CONFLICT (subject, purpose) DO NOTHING RETURNING subject
                """, doing: "record withdrawals on")
            if !added.isEmpty { try await notify() }
            return added.count
        }
    }

    /// Gives the hub erasures (a door's journal): each subject's row is deleted and the
    /// erasure logged, once. Returns how many the hub did not have yet.
    @discardableResult
    func addErasures(_ erasures: [(subject: String, reason: String, at: Double)], door: String) async throws(FleetError) -> Int {
        guard !erasures.isEmpty else { return 0 }
        return try await inWriteTransaction(doing: "record erasures on") { () async throws(FleetError) -> Int in
            let added = try await rows(
                """
                INSERT INTO fleet_erasure (subject, seq, reason, origin_door, erased_at)
                SELECT e.subject, nextval('fleet_change_seq'), e.reason, \(door), e.at
                FROM unnest(\(erasures.map(\.subject))::text[], \(erasures.map(\.reason))::text[], \(erasures.map(\.at))::float8[])
                    AS e(subject, reason, at)
                ON CONFLICT (subject) DO NOTHING RETURNING subject
                """, doing: "record erasures on")
            try await rows("DELETE FROM fleet_subject WHERE subject = ANY(\(erasures.map(\.subject))::text[])", doing: "erase subjects on")
            if !added.isEmpty { try await notify() }
            return added.count
        }
    }

    /// Adds subjects' sealed copies, except those the hub holds or has erased. Must run
    /// inside `inWriteTransaction`. Returns the subjects added.
    func addSubjects(_ subjects: [(subject: String, sealed: [UInt8])], door: String, at now: Double) async throws(FleetError) -> Set<String>
    {
        guard !subjects.isEmpty else { return [] }
        let added = try await rows(
            """
            INSERT INTO fleet_subject (subject, seq, sealed, origin_door, enrolled_at)
            SELECT n.subject, nextval('fleet_change_seq'), n.sealed, \(door), \(now)
            FROM unnest(\(subjects.map(\.subject))::text[], \(subjects.map { ByteBuffer(bytes: $0.sealed) })::bytea[]) AS n(subject, sealed)
            WHERE NOT EXISTS (SELECT 1 FROM fleet_erasure WHERE subject = n.subject)
            ON CONFLICT (subject) DO NOTHING RETURNING subject
            """, doing: "add subjects to")
        if !added.isEmpty { try await notify() }
        return Set(try added.map { row throws(FleetError) in try decode(row, as: String.self) })
    }

    /// The members the hub holds that another door enrolled: the faces a door's own
    /// enrolment may not duplicate.
    func subjects(enrolledElsewhereThan door: String) async throws(FleetError) -> Set<String> {
        let rows = try await rows("SELECT subject FROM fleet_subject WHERE origin_door <> \(door)", doing: "list other doors' members on")
        return Set(try rows.map { row throws(FleetError) in try decode(row, as: String.self) })
    }

    /// Which of `subjects` the hub neither holds nor has erased.
    func unknownSubjects(among subjects: [String]) async throws(FleetError) -> Set<String> {
        guard !subjects.isEmpty else { return [] }
        let rows = try await rows(
            """
            SELECT s FROM unnest(\(subjects)::text[]) AS s
            WHERE NOT EXISTS (SELECT 1 FROM fleet_subject WHERE subject = s)
              AND NOT EXISTS (SELECT 1 FROM fleet_erasure WHERE subject = s)
            """, doing: "compare subjects with")
        return Set(try rows.map { row throws(FleetError) in try decode(row, as: String.self) })
    }

    func addRefusal(_ subject: String, door: String, duplicateOf: String, at now: Double) async throws(FleetError) {
        try await rows(
            """
            INSERT INTO fleet_refusal (subject, door_id, duplicate_of, refused_at) VALUES (\(subject), \(door), \(duplicateOf), \(now))
            ON CONFLICT (subject) DO NOTHING
            """, doing: "record a refusal on")
    }

    func refusals() async throws(FleetError) -> [(subject: String, doorID: String, duplicateOf: String, at: Double)] {
        try await rows(
            "SELECT subject, door_id, duplicate_of, refused_at FROM fleet_refusal ORDER BY refused_at", doing: "list refusals of"
        )
        .map { row throws(FleetError) in try decode(row, as: (String, String, String, Double).self) }
        .map { (subject: $0.0, doorID: $0.1, duplicateOf: $0.2, at: $0.3) }
    }

    func counts() async throws(FleetError) -> (subjects: Int, erasures: Int) {
        let rows = try await rows(
            "SELECT (SELECT COUNT(*) FROM fleet_subject), (SELECT COUNT(*) FROM fleet_erasure)", doing: "count the subjects of")
        guard let row = rows.first else { return (0, 0) }
        let (subjects, erasures) = try decode(row, as: (Int64, Int64).self)
        return (Int(subjects), Int(erasures))
    }

    private func notify() async throws(FleetError) {
        try await rows("SELECT pg_notify(\(Self.channel), '')", doing: "announce a change on")
    }

    func decode<each Column: PostgresDecodable>(_ row: PostgresRow, as type: (repeat each Column).Type) throws(FleetError) -> (
        repeat each Column
    ) {
        do {
            return try row.decode((repeat each Column).self)
        } catch {
            throw FleetError(
                .hubRefused, "the hub \(address) answered with a column of an unexpected type; is it a facegate hub of this version?")
        }
    }
}
