public import FacegateCore
public import GRDB
public import Vault
import FoundationEssentials

/// The append-only, hash-chained audit log, with signed checkpoints every
/// `checkpointEvery` entries and whenever it is exported.
public final class AuditLog: Sendable {
    private let signingKey: SigningKeyPair
    private let clock: any WallClock
    public let checkpointEvery: Int

    public init(signingKey: SigningKeyPair, clock: any WallClock, checkpointEvery: Int) {
        self.signingKey = signingKey
        self.clock = clock
        self.checkpointEvery = checkpointEvery
    }

    public var publicKey: [UInt8] { signingKey.publicKey }

    /// Signs bytes with the device key (exports' signature lines).
    public func sign(_ message: [UInt8]) -> [UInt8] { signingKey.sign(message) }

    /// Appends an entry inside the caller's transaction (so the entry and the action
    /// it records commit together) and returns it. `personal` must already be sealed
    /// with the subject's key.
    @discardableResult
    public func append(
        actor: String, action: String, subject: SubjectID? = nil, details: JSONObject = [:], personal: [UInt8]? = nil,
        in db: Database
    ) throws -> AuditEntry {
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")
        let seq = (last?["seq"] as Int? ?? 0) + 1
        let previous = last.map { [UInt8]($0["hash"] as Data) } ?? AuditEntry.genesisHash
        let time = Timestamp.iso8601(clock.now())
        let canonical = AuditEntry.canonical(
            seq: seq, time: time, actor: actor, action: action, subject: subject?.rawValue, details: details, personal: personal)
        let hash = AuditEntry.chainHash(previous: previous, canonical: canonical)
        try db.execute(
            sql: "INSERT INTO audit_entry (seq, time, actor, action, subject_id, details, personal, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [seq, time, actor, action, subject?.rawValue, JSONValue.object(details).canonical.serialized,
                        personal.map { Data($0) }, Data(previous), Data(hash)])
        if seq % checkpointEvery == 0 { try checkpoint(in: db) }
        return AuditEntry(
            seq: seq, time: time, actor: actor, action: action, subject: subject?.rawValue, details: details,
            personal: personal, previousHash: previous, hash: hash)
    }

    /// Signs the current head of the chain (if not already signed) and returns the checkpoint.
    @discardableResult
    public func checkpoint(in db: Database) throws -> AuditCheckpoint? {
        guard let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1") else { return nil }
        let seq: Int = head["seq"]
        if let existing = try Row.fetchOne(db, sql: "SELECT * FROM audit_checkpoint WHERE seq = ?", arguments: [seq]) {
            return Self.checkpoint(from: existing)
        }
        let hash = [UInt8](head["hash"] as Data)
        let time = Timestamp.iso8601(clock.now())
        let signature = signingKey.sign(AuditCheckpoint.message(seq: seq, hash: hash, time: time))
        try db.execute(
            sql: "INSERT INTO audit_checkpoint (seq, hash, time, signature) VALUES (?, ?, ?, ?)",
            arguments: [seq, Data(hash), time, Data(signature)])
        return AuditCheckpoint(seq: seq, hash: hash, time: time, signature: signature)
    }

    /// Every entry, in order.
    public static func entries(in db: Database, subject: SubjectID? = nil) throws -> [AuditEntry] {
        let rows: [Row]
        if let subject {
            rows = try Row.fetchAll(db, sql: "SELECT * FROM audit_entry WHERE subject_id = ? ORDER BY seq", arguments: [subject.rawValue])
        } else {
            rows = try Row.fetchAll(db, sql: "SELECT * FROM audit_entry ORDER BY seq")
        }
        return rows.map { row in
            let detailsText: String = row["details"]
            let details = (try? JSONParser.parse(detailsText))?.objectValue ?? [:]
            return AuditEntry(
                seq: row["seq"], time: row["time"], actor: row["actor"], action: row["action"], subject: row["subject_id"],
                details: details, personal: (row["personal"] as Data?).map { [UInt8]($0) },
                previousHash: [UInt8](row["prev_hash"] as Data), hash: [UInt8](row["hash"] as Data))
        }
    }

    public static func checkpoints(in db: Database) throws -> [AuditCheckpoint] {
        try Row.fetchAll(db, sql: "SELECT * FROM audit_checkpoint ORDER BY seq").map(checkpoint(from:))
    }

    private static func checkpoint(from row: Row) -> AuditCheckpoint {
        AuditCheckpoint(seq: row["seq"], hash: [UInt8](row["hash"] as Data), time: row["time"], signature: [UInt8](row["signature"] as Data))
    }
}
