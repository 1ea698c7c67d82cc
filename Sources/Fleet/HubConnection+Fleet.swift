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

    /// The last sequence number the hub gave before its rows were signed (version 3):
    /// an unsigned row up to it is from before the upgrade, after it a forgery.
    func signedFrom() async throws(FleetError) -> Int64 {
        let rows = try await rows("SELECT COALESCE(signed_from, 0) FROM fleet_meta", doing: "read the fleet from")
        return try rows.first.map { row throws(FleetError) in try decode(row, as: Int64.self) } ?? 0
    }

    /// Adds the tables a newer version uses to an older hub (every statement is
    /// idempotent), gives the doors' group role its rights, and records the version, so
    /// that no door runs DDL on it again. Run by the tables' owner.
    func upgradeSchema() async throws(FleetError) {
        try await createSchema()
        try await createDoorRoles()
        try await rows(
            """
            UPDATE fleet_meta SET signed_from = GREATEST((SELECT COALESCE(MAX(seq), 0) FROM fleet_subject),
                (SELECT COALESCE(MAX(seq), 0) FROM fleet_erasure), (SELECT COALESCE(MAX(seq), 0) FROM fleet_withdrawal))
            WHERE signed_from IS NULL
            """, doing: "record where signed rows begin on")
        try await rows(
            "UPDATE fleet_meta SET schema_version = \(HubSchema.version) WHERE schema_version < \(HubSchema.version)",
            doing: "record the tables' version on")
    }

    /// The doors' group role, its rights and the row-level policies (`HubSchema.doorRoleStatements`).
    func createDoorRoles() async throws(FleetError) {
        for statement in HubSchema.doorRoleStatements {
            do {
                try await rows(PostgresQuery(unsafeSQL: statement), doing: "give the doors' role its rights on")
            } catch  where statement.contains("CREATE ROLE") && error.code == .hubRefused {
                throw FleetError(
                    .hubRefused,
                    "the hub \(address) would not let \(address.user) create the doors' group role: as the cluster's administrator run `CREATE ROLE \(HubSchema.doorGroup) NOLOGIN;` (or give \(address.user) CREATEROLE), then run `facegate fleet init --hub` again"
                )
            }
        }
    }

    func createFleet(id: String, keyCheck: [UInt8], at now: Double) async throws(FleetError) {
        let inserted = try await rows(
            """
            INSERT INTO fleet_meta (fleet_id, key_check, schema_version, created_at, signed_from, epochs_random)
            VALUES (\(id), \(ByteBuffer(bytes: keyCheck)), \(HubSchema.version), \(now), 0, true)
            ON CONFLICT DO NOTHING RETURNING fleet_id
            """, doing: "create the fleet on")
        guard !inserted.isEmpty else {
            throw FleetError(
                .fleetState,
                "the hub \(address) already holds a fleet; join it with `facegate fleet join` and a token from one of its doors")
        }
    }

    // MARK: Doors

    /// Creates a door's login role in the doors' group, unless it exists. `role` is
    /// `FleetAdministration.roleName`'s: letters, digits and underscores only.
    func createDoorLoginRole(_ role: String) async throws(FleetError) {
        try await createDoorRoles()
        try await rows(
            PostgresQuery(
                unsafeSQL: """
                    DO $$ BEGIN
                        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(role)') THEN
                            CREATE ROLE \(role) LOGIN IN ROLE \(HubSchema.doorGroup);
                        END IF;
                    END $$
                    """), doing: "create the door's role on")
    }

    /// Binds `role` to the door named `name`, if it has joined. Returns whether one was bound.
    @discardableResult
    func bindRole(_ role: String, toDoorNamed name: String) async throws(FleetError) -> Bool {
        let bound = try await rows(
            "UPDATE fleet_door SET role = \(role) WHERE name = \(name) RETURNING door_id", doing: "bind the door's role on")
        return !bound.isEmpty
    }

    /// Records a one-time join token (its SHA-256 only) valid for `seconds`, with the
    /// current key epoch's key sealed for the token (`FleetEpochs`).
    func addJoinToken(_ token: String, at now: Double, validFor seconds: Double, epochKey: (epoch: Int, sealed: [UInt8])?)
        async throws(FleetError)
    {
        try await rows(
            """
            INSERT INTO fleet_join_token (token_sha256, created_at, expires_at, epoch, sealed_epoch_key)
            VALUES (sha256(convert_to(\(token), 'UTF8')), \(now), \(now + seconds), \(epochKey.map { Int32($0.epoch) }),
                \(epochKey.map { ByteBuffer(bytes: $0.sealed) }))
            """, doing: "record a join token on")
    }

    /// Spends a join token and records the door; the token cannot be used again.
    func join(token: String, doorID: String, name: String, at now: Double) async throws(FleetError) {
        try await inWriteTransaction(doing: "join") { () async throws(FleetError) in
            let spent = try await rows(
                """
                UPDATE fleet_join_token SET used_by = \(doorID), sealed_epoch_key = NULL
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
                """
                INSERT INTO fleet_door (door_id, name, joined_at, last_seen_at, role)
                VALUES (\(doorID), \(name), \(now), \(now), \(unescaped: Self.ownRole))
                """, doing: "record the door on")
        }
    }

    /// Records that a door synced, and how far. A hub restored from a backup older than
    /// the door's joining learns of the door again here.
    func touch(doorID: String, name: String, cursor: Int64, at now: Double) async throws(FleetError) {
        try await rows(
            """
            INSERT INTO fleet_door (door_id, name, joined_at, last_seen_at, cursor, role)
            VALUES (\(doorID), \(name), \(now), \(now), \(cursor), \(unescaped: Self.ownRole))
            ON CONFLICT (door_id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, cursor = EXCLUDED.cursor
            """, doing: "record the door's sync on")
    }

    /// Records the door if the hub does not know it (a hub restored from a backup older
    /// than its joining), at cursor 0: the sync then reads the hub again from the start.
    func ensureDoor(doorID: String, name: String, at now: Double) async throws(FleetError) {
        try await rows(
            """
            INSERT INTO fleet_door (door_id, name, joined_at, last_seen_at, cursor, role)
            VALUES (\(doorID), \(name), \(now), \(now), 0, \(unescaped: Self.ownRole))
            ON CONFLICT DO NOTHING
            """, doing: "record the door on")
    }

    /// How far the hub last recorded this door to have applied (nil: it does not know
    /// the door). Behind the door's own cursor, it means the hub lost its latest
    /// changes: it was restored from a backup.
    func recordedCursor(of doorID: String) async throws(FleetError) -> Int64? {
        let rows = try await rows("SELECT cursor FROM fleet_door WHERE door_id = \(doorID)", doing: "read the door's cursor on")
        return try rows.first.map { row throws(FleetError) in try decode(row, as: Int64.self) }
    }

    /// The role a door records as its own: the connecting role when the policies bind
    /// it (a door's role), none when it connects as the tables' owner.
    static let ownRole = "CASE WHEN row_security_active('fleet_door') THEN current_user END"

    func doors() async throws(FleetError) -> [HubDoor] {
        try await rows(
            "SELECT door_id, name, joined_at, last_seen_at, cursor, role::text FROM fleet_door ORDER BY name", doing: "list the doors of"
        )
        .map { row throws(FleetError) in
            let (id, name, joined, seen, cursor, role) = try decode(row, as: (String, String, Double, Double?, Int64, String?).self)
            return HubDoor(doorID: id, name: name, joinedAt: joined, lastSeenAt: seen, cursor: cursor, role: role)
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

    /// The changes after `cursor`, oldest first, at most `limit`; each copy with its key
    /// (`withCopyKeys`: a hub of version 4).
    func changes(after cursor: Int64, limit: Int, withCopyKeys: Bool = true) async throws(FleetError) -> [HubChange] {
        let copyKeys =
            withCopyKeys
            ? "LEFT JOIN fleet_copy_key k USING (subject)"
            : "LEFT JOIN (SELECT NULL::text AS subject, NULL::integer AS epoch, NULL::bytea AS wrapped) k USING (subject)"
        return try await rows(
            """
            SELECT s.seq, s.subject, s.sealed, s.origin_door, NULL::text, 's', s.door_seq, s.proof, s.enrolled_at, k.epoch, k.wrapped
            FROM fleet_subject s \(unescaped: copyKeys) WHERE s.seq > \(cursor)
            UNION ALL
            SELECT seq, subject, NULL::bytea, origin_door, reason, 'e', door_seq, proof, erased_at, NULL::integer, NULL::bytea
            FROM fleet_erasure WHERE seq > \(cursor)
            UNION ALL
            SELECT seq, subject, NULL::bytea, origin_door, purpose, 'w', door_seq, proof, withdrawn_at, NULL::integer, NULL::bytea
            FROM fleet_withdrawal WHERE seq > \(cursor)
            ORDER BY 1 LIMIT \(limit)
            """, doing: "read the changes of"
        ).map { row throws(FleetError) in
            let (seq, subject, sealed, origin, text, kind, doorSeq, proof, at, epoch, wrapped) = try decode(
                row, as: (Int64, String, ByteBuffer?, String, String?, String, Int64?, ByteBuffer?, Double, Int32?, ByteBuffer?).self)
            let change: HubChange.Kind =
                switch kind {
                case "s": .subject(sealed: Array(sealed?.readableBytesView ?? ByteBuffer().readableBytesView))
                case "w": .withdrawal(purpose: text ?? "")
                default: .erasure(reason: text ?? "request")
                }
            return HubChange(
                sequence: seq, subject: subject, originDoor: origin, kind: change, doorSeq: doorSeq,
                proof: proof.map { Array($0.readableBytesView) }, at: at,
                copyKey: epoch.flatMap { epoch in
                    wrapped.map { WrappedCopyKey(subject: subject, epoch: Int(epoch), wrapped: Array($0.readableBytesView)) }
                })
        }
    }

    /// The highest number `door` gave a row the hub holds (0 for none): a door whose
    /// own record of it was lost (its state restored from a backup) goes on after it.
    func lastDoorSeq(of door: String) async throws(FleetError) -> Int64 {
        let rows = try await rows(
            """
            SELECT GREATEST((SELECT COALESCE(MAX(door_seq), 0) FROM fleet_subject WHERE origin_door = \(door)),
                (SELECT COALESCE(MAX(door_seq), 0) FROM fleet_erasure WHERE origin_door = \(door)),
                (SELECT COALESCE(MAX(door_seq), 0) FROM fleet_withdrawal WHERE origin_door = \(door)))
            """, doing: "read this door's numbering on")
        return try rows.first.map { row throws(FleetError) in try decode(row, as: Int64.self) } ?? 0
    }

    /// The signed erasure rows the hub holds among `subjects`: a door giving its journal
    /// checks them, and signs over any that do not verify (a forged row must not stand
    /// in for the erasure it blocks).
    func signedErasures(among subjects: [String]) async throws(FleetError) -> [HubChange] {
        guard !subjects.isEmpty else { return [] }
        return try await rows(
            """
            SELECT seq, subject, origin_door, reason, door_seq, proof, erased_at FROM fleet_erasure
            WHERE subject = ANY(\(subjects)::text[]) AND proof IS NOT NULL
            """, doing: "compare erasures with"
        ).map { row throws(FleetError) in
            let (seq, subject, origin, reason, doorSeq, proof, at) = try decode(
                row, as: (Int64, String, String, String, Int64?, ByteBuffer, Double).self)
            return HubChange(
                sequence: seq, subject: subject, originDoor: origin, kind: .erasure(reason: reason), doorSeq: doorSeq,
                proof: Array(proof.readableBytesView), at: at)
        }
    }

    /// The signed withdrawal rows the hub holds for `subjects` (as `signedErasures`).
    func signedWithdrawals(among subjects: [String]) async throws(FleetError) -> [HubChange] {
        guard !subjects.isEmpty else { return [] }
        return try await rows(
            """
            SELECT seq, subject, origin_door, purpose, door_seq, proof, withdrawn_at FROM fleet_withdrawal
            WHERE subject = ANY(\(subjects)::text[]) AND proof IS NOT NULL
            """, doing: "compare withdrawals with"
        ).map { row throws(FleetError) in
            let (seq, subject, origin, purpose, doorSeq, proof, at) = try decode(
                row, as: (Int64, String, String, String, Int64?, ByteBuffer, Double).self)
            return HubChange(
                sequence: seq, subject: subject, originDoor: origin, kind: .withdrawal(purpose: purpose), doorSeq: doorSeq,
                proof: Array(proof.readableBytesView), at: at)
        }
    }

    /// One row a door gives the hub, as it signed it (`SignedChange`).
    struct SignedRow: Sendable {
        var subject: String
        /// The reason, the purpose, or (for a copy) unused.
        var detail: String
        var sealed: [UInt8]
        var at: Double
        var doorSeq: Int64
        var proof: [UInt8]
        /// A copy's own key, wrapped under the current key epoch.
        var copyKey: WrappedCopyKey? = nil
    }

    /// Gives the hub purposes withdrawn from subjects who stay (a door's journal), signed,
    /// in their numbers' order; a row from before version 3, or one in `forged`
    /// ("subject|purpose", found not to verify), is signed over. Must run inside
    /// `inWriteTransaction`. Returns how many were written.
    @discardableResult
    func addWithdrawals(_ withdrawals: [SignedRow], replacing forged: [String], door: String) async throws(FleetError) -> Int {
        guard !withdrawals.isEmpty else { return 0 }
        let added = try await rows(
            """
            INSERT INTO fleet_withdrawal (subject, purpose, seq, origin_door, withdrawn_at, door_seq, proof)
            SELECT w.subject, w.purpose, nextval('fleet_change_seq'), \(door), w.at, w.door_seq, w.proof
            FROM unnest(\(withdrawals.map(\.subject))::text[], \(withdrawals.map(\.detail))::text[], \(withdrawals.map(\.at))::float8[],
                \(withdrawals.map(\.doorSeq))::bigint[], \(withdrawals.map { ByteBuffer(bytes: $0.proof) })::bytea[])
                AS w(subject, purpose, at, door_seq, proof)
            ORDER BY w.door_seq
            ON CONFLICT (subject, purpose) DO UPDATE SET origin_door = EXCLUDED.origin_door, withdrawn_at = EXCLUDED.withdrawn_at,
                door_seq = EXCLUDED.door_seq, proof = EXCLUDED.proof
            WHERE fleet_withdrawal.proof IS NULL OR fleet_withdrawal.subject || '|' || fleet_withdrawal.purpose = ANY(\(forged)::text[])
            RETURNING subject
            """, doing: "record withdrawals on")
        if !added.isEmpty { try await notify() }
        return added.count
    }

    /// Gives the hub erasures (a door's journal), signed, in their numbers' order: each
    /// subject's copy is deleted and the erasure logged, once; a row from before version 3,
    /// or one in `forged` (found not to verify), is signed over. Must run inside
    /// `inWriteTransaction`. Returns how many were written.
    @discardableResult
    func addErasures(_ erasures: [SignedRow], replacing forged: [String], door: String) async throws(FleetError) -> Int {
        guard !erasures.isEmpty else { return 0 }
        let added = try await rows(
            """
            INSERT INTO fleet_erasure (subject, seq, reason, origin_door, erased_at, door_seq, proof)
            SELECT e.subject, nextval('fleet_change_seq'), e.reason, \(door), e.at, e.door_seq, e.proof
            FROM unnest(\(erasures.map(\.subject))::text[], \(erasures.map(\.detail))::text[], \(erasures.map(\.at))::float8[],
                \(erasures.map(\.doorSeq))::bigint[], \(erasures.map { ByteBuffer(bytes: $0.proof) })::bytea[])
                AS e(subject, reason, at, door_seq, proof)
            ORDER BY e.door_seq
            ON CONFLICT (subject) DO UPDATE SET reason = EXCLUDED.reason, origin_door = EXCLUDED.origin_door,
                erased_at = EXCLUDED.erased_at, door_seq = EXCLUDED.door_seq, proof = EXCLUDED.proof
            WHERE fleet_erasure.proof IS NULL OR fleet_erasure.subject = ANY(\(forged)::text[])
            RETURNING subject
            """, doing: "record erasures on")
        // The hub's trigger deletes every erased copy; a door's role may delete only its own
        // (this also serves a hub whose owner has not upgraded it yet).
        try await rows("DELETE FROM fleet_subject WHERE subject = ANY(\(erasures.map(\.subject))::text[])", doing: "erase subjects on")
        if !added.isEmpty { try await notify() }
        return added.count
    }

    /// Adds subjects' sealed copies, signed, except those the hub holds signed or has
    /// erased; a copy from before version 3 is signed over, and with `replacing` this
    /// door's own copy too (photos added to the member here). Must run inside
    /// `inWriteTransaction`. Returns the subjects added.
    func addSubjects(_ subjects: [SignedRow], door: String, replacing: Bool = false) async throws(FleetError) -> Set<String> {
        guard !subjects.isEmpty else { return [] }
        let added = try await rows(
            """
            INSERT INTO fleet_subject (subject, seq, sealed, origin_door, enrolled_at, door_seq, proof)
            SELECT n.subject, nextval('fleet_change_seq'), n.sealed, \(door), n.at, n.door_seq, n.proof
            FROM unnest(\(subjects.map(\.subject))::text[], \(subjects.map { ByteBuffer(bytes: $0.sealed) })::bytea[],
                \(subjects.map(\.at))::float8[], \(subjects.map(\.doorSeq))::bigint[], \(subjects.map { ByteBuffer(bytes: $0.proof) })::bytea[])
                AS n(subject, sealed, at, door_seq, proof)
            WHERE NOT EXISTS (SELECT 1 FROM fleet_erasure WHERE subject = n.subject)
            ORDER BY n.door_seq
            ON CONFLICT (subject) DO UPDATE SET sealed = EXCLUDED.sealed, origin_door = EXCLUDED.origin_door,
                enrolled_at = EXCLUDED.enrolled_at, door_seq = EXCLUDED.door_seq, proof = EXCLUDED.proof
            WHERE fleet_subject.proof IS NULL OR (\(replacing) AND fleet_subject.origin_door = \(door))
            RETURNING subject
            """, doing: "add subjects to")
        let names: [String] = try added.map { row throws(FleetError) in try decode(row, as: String.self) }
        let addedSubjects = Set(names)
        try await addCopyKeys(subjects.compactMap { addedSubjects.contains($0.subject) ? $0.copyKey : nil })
        if !added.isEmpty { try await notify() }
        return addedSubjects
    }

    /// The door that gave the hub each of `subjects`' copies (absent: no copy).
    func origins(of subjects: [String]) async throws(FleetError) -> [String: String] {
        guard !subjects.isEmpty else { return [:] }
        let rows = try await rows(
            "SELECT subject, origin_door FROM fleet_subject WHERE subject = ANY(\(subjects)::text[])", doing: "read the copies' doors on")
        return Dictionary(
            try rows.map { row throws(FleetError) in try decode(row, as: (String, String).self) }, uniquingKeysWith: { first, _ in first })
    }

    /// The members the hub holds that another door enrolled: the faces a door's own
    /// enrolment may not duplicate.
    func subjects(enrolledElsewhereThan door: String) async throws(FleetError) -> Set<String> {
        let rows = try await rows("SELECT subject FROM fleet_subject WHERE origin_door <> \(door)", doing: "list other doors' members on")
        return Set(try rows.map { row throws(FleetError) in try decode(row, as: String.self) })
    }

    /// Which of `subjects` the hub neither holds (signed) nor has erased.
    func unknownSubjects(among subjects: [String]) async throws(FleetError) -> Set<String> {
        guard !subjects.isEmpty else { return [] }
        let rows = try await rows(
            """
            SELECT s FROM unnest(\(subjects)::text[]) AS s
            WHERE NOT EXISTS (SELECT 1 FROM fleet_subject WHERE subject = s AND proof IS NOT NULL)
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

    /// Records that this door refused a row (`code`: unsigned, seal, key, signature,
    /// replay); kept once per row.
    func addRejection(of change: HubChange, kind: String, code: String, door: String, at now: Double) async throws(FleetError) {
        try await rows(
            """
            INSERT INTO fleet_rejection (door_id, seq, kind, subject, origin_door, problem, rejected_at)
            VALUES (\(door), \(change.sequence), \(kind), \(change.subject), \(change.originDoor), \(code), \(now))
            ON CONFLICT DO NOTHING
            """, doing: "record a refused row on")
    }

    func rejections() async throws(FleetError) -> [(
        doorID: String, seq: Int64, kind: String, subject: String, origin: String, code: String, at: Double
    )] {
        try await rows(
            "SELECT door_id, seq, kind, subject, origin_door, problem, rejected_at FROM fleet_rejection ORDER BY rejected_at",
            doing: "list refused rows of"
        )
        .map { row throws(FleetError) in try decode(row, as: (String, Int64, String, String, String, String, Double).self) }
        .map { (doorID: $0.0, seq: $0.1, kind: $0.2, subject: $0.3, origin: $0.4, code: $0.5, at: $0.6) }
    }

    /// Rows from before version 3 no door has signed yet, by origin door: no door
    /// acts on them until one that vouches for them (from its own journal or vault) does.
    func unsignedRows() async throws(FleetError) -> [String: Int] {
        let rows = try await rows(
            """
            SELECT origin_door, COUNT(*) FROM (
                SELECT origin_door FROM fleet_subject WHERE proof IS NULL UNION ALL
                SELECT origin_door FROM fleet_erasure WHERE proof IS NULL UNION ALL
                SELECT origin_door FROM fleet_withdrawal WHERE proof IS NULL) AS unsigned
            GROUP BY origin_door
            """, doing: "count unsigned rows of")
        var counts: [String: Int] = [:]
        for row in rows {
            let (door, count) = try decode(row, as: (String, Int64).self)
            counts[door] = Int(count)
        }
        return counts
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
