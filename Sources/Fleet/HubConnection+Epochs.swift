import FacegateCore
import NIOCore
import PostgresNIO

/// The statements of the fleet's key epochs (`FleetEpochs`, hub schema version 4).
extension HubConnection {
    /// One epoch as the hub records it.
    struct HubEpoch: Sendable, Equatable {
        var number: Int
        /// The newest erasure (its sequence number) before the epoch began.
        var afterSeq: Int64
        /// The door that began it.
        var begunBy: String
        var destroyAfter: Double?
    }

    func epochs() async throws(FleetError) -> [HubEpoch] {
        try await rows("SELECT epoch, after_seq, begun_by, destroy_after FROM fleet_epoch ORDER BY epoch", doing: "read the key epochs of")
            .map { row throws(FleetError) in
                let (epoch, after, door, deadline) = try decode(row, as: (Int32, Int64, String, Double?).self)
                return HubEpoch(number: Int(epoch), afterSeq: after, begunBy: door, destroyAfter: deadline)
            }
    }

    /// Whether the fleet's first epoch key was random (`fleet init` since version 4), or
    /// is computed from the fleet key (a fleet made before).
    func epochsRandom() async throws(FleetError) -> Bool {
        let rows = try await rows("SELECT epochs_random FROM fleet_meta", doing: "read the fleet from")
        return try rows.first.map { row throws(FleetError) in try decode(row, as: Bool.self) } ?? false
    }

    /// Records that `epoch` began (nothing when another door began it first). Returns
    /// whether this call began it.
    @discardableResult
    func beginEpoch(_ epoch: Int, afterSeq: Int64, door: String, at now: Double) async throws(FleetError) -> Bool {
        guard let epoch = Int32(exactly: epoch) else { throw FleetError(.integrityFailure, "key epoch \(epoch) is out of range") }
        return try await !rows(
            """
            INSERT INTO fleet_epoch (epoch, after_seq, begun_by, begun_at) VALUES (\(epoch), \(afterSeq), \(door), \(now))
            ON CONFLICT (epoch) DO NOTHING RETURNING epoch
            """, doing: "begin a key epoch on"
        ).isEmpty
    }

    /// Every epoch up to `epoch` must be destroyed by `deadline` (never moved later).
    func requireDestroyed(by deadline: Double, through epoch: Int) async throws(FleetError) {
        try await rows(
            """
            UPDATE fleet_epoch SET destroy_after = LEAST(COALESCE(destroy_after, 'Infinity'), \(deadline))
            WHERE epoch <= \(Int32(clamping: epoch)) AND COALESCE(destroy_after, 'Infinity') > \(deadline)
            """, doing: "record a key epoch's deadline on")
    }

    /// The newest erasure's sequence number and time, if any.
    func lastErasure() async throws(FleetError) -> (seq: Int64, at: Double)? {
        let rows = try await rows("SELECT seq, erased_at FROM fleet_erasure ORDER BY seq DESC LIMIT 1", doing: "read the erasures of")
        return try rows.first.map { row throws(FleetError) in try decode(row, as: (Int64, Double).self) }
    }

    /// Copy keys wrapped under one of `epochs` (older ones this door still holds), in the
    /// pseudonyms' order after `after`, at most `limit`.
    func copyKeys(under epochs: [Int], after: String, limit: Int) async throws(FleetError) -> [WrappedCopyKey] {
        guard !epochs.isEmpty else { return [] }
        return try await rows(
            """
            SELECT subject, epoch, wrapped FROM fleet_copy_key
            WHERE epoch = ANY(\(epochs.map { Int32(clamping: $0) })::integer[]) AND subject > \(after) ORDER BY subject LIMIT \(limit)
            """,
            doing: "read the copies' keys of"
        ).map { row throws(FleetError) in
            let (subject, epoch, wrapped) = try decode(row, as: (String, Int32, ByteBuffer).self)
            return WrappedCopyKey(subject: subject, epoch: Int(epoch), wrapped: Array(wrapped.readableBytesView))
        }
    }

    /// Replaces copy keys with the same keys wrapped under a newer epoch, each only if
    /// still under the epoch it was read under. Returns how many were replaced.
    @discardableResult
    func rewrap(_ keys: [WrappedCopyKey], from old: [Int]) async throws(FleetError) -> Int {
        guard !keys.isEmpty else { return 0 }
        return try await rows(
            """
            UPDATE fleet_copy_key SET epoch = n.epoch, wrapped = n.wrapped
            FROM unnest(\(keys.map(\.subject))::text[], \(keys.map { Int32($0.epoch) })::integer[],
                \(keys.map { ByteBuffer(bytes: $0.wrapped) })::bytea[], \(old.map(Int32.init))::integer[]) AS n(subject, epoch, wrapped, old)
            WHERE fleet_copy_key.subject = n.subject AND fleet_copy_key.epoch = n.old
            RETURNING fleet_copy_key.subject
            """, doing: "re-wrap the copies' keys on"
        ).count
    }

    /// Adds (or replaces) the keys of copies this door just added. Inside the same
    /// transaction as the copies.
    func addCopyKeys(_ keys: [WrappedCopyKey]) async throws(FleetError) {
        guard !keys.isEmpty else { return }
        try await rows(
            """
            INSERT INTO fleet_copy_key (subject, epoch, wrapped)
            SELECT * FROM unnest(\(keys.map(\.subject))::text[], \(keys.map { Int32($0.epoch) })::integer[],
                \(keys.map { ByteBuffer(bytes: $0.wrapped) })::bytea[])
            ON CONFLICT (subject) DO UPDATE SET epoch = EXCLUDED.epoch, wrapped = EXCLUDED.wrapped
            """, doing: "add the copies' keys to")
    }

    /// Clears the epoch keys of join tokens that expired unspent: a dump of the hub made
    /// after that holds none.
    func clearExpiredTokenKeys(at now: Double) async throws(FleetError) {
        try await rows(
            "UPDATE fleet_join_token SET sealed_epoch_key = NULL WHERE sealed_epoch_key IS NOT NULL AND used_by IS NULL AND expires_at <= \(now)",
            doing: "clear expired join tokens on")
    }

    /// The epoch key a valid, unspent join token carries, sealed for the token.
    func tokenEpochKey(_ token: String, at now: Double) async throws(FleetError) -> (epoch: Int, sealed: [UInt8])? {
        let rows = try await rows(
            """
            SELECT epoch, sealed_epoch_key FROM fleet_join_token
            WHERE token_sha256 = sha256(convert_to(\(token), 'UTF8')) AND used_by IS NULL AND expires_at > \(now)
              AND sealed_epoch_key IS NOT NULL
            """, doing: "read the join token on")
        return try rows.first.map { row throws(FleetError) in
            let (epoch, sealed) = try decode(row, as: (Int32, ByteBuffer).self)
            return (Int(epoch), Array(sealed.readableBytesView))
        }
    }
}
