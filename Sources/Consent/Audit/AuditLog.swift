public import FacegateCore
import FoundationEssentials
public import GRDB
import Logging
import Synchronization
public import Vault

/// The append-only, hash-chained audit log, with signed checkpoints every
/// `checkpointEvery` entries and whenever it is exported. Entries are rows of the
/// database (committed with the change they record) and lines of `AuditFile` (written
/// right after the commit), so that restoring an old database cannot make the chain
/// fork or shrink.
public final class AuditLog: Sendable {
    private let signingKey: SigningKeyPair
    private let clock: any WallClock
    public let checkpointEvery: Int
    let file: AuditFile
    let logger: Logger
    private let syncScheduled = SyncFlag()

    init(signingKey: SigningKeyPair, clock: any WallClock, checkpointEvery: Int, file: AuditFile, logger: Logger) {
        self.signingKey = signingKey
        self.clock = clock
        self.checkpointEvery = checkpointEvery
        self.file = file
        self.logger = logger
    }

    public var publicKey: [UInt8] { signingKey.publicKey }

    /// An actor's name as the log records it: control characters (a NUL, a newline)
    /// replaced by U+FFFD. The name is stored in a text column, which SQLite hands back
    /// cut at a NUL: an entry hashed with the full name would then read as altered (the
    /// SQL input fuzzer found it). The names facegate passes are system and console
    /// account names, which hold no control character; this keeps any other caller from
    /// breaking the chain.
    static func printable(_ actor: String) -> String {
        guard actor.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return actor }
        return String(String.UnicodeScalarView(actor.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\u{FFFD}" : $0 }))
    }

    /// Signs bytes with the device key (exports' signature lines and seals).
    public func sign(_ message: [UInt8]) -> [UInt8] { signingKey.sign(message) }

    /// Appends an entry inside the caller's transaction (so the entry and the action
    /// it records commit together) and returns it. `personal` must already be sealed
    /// with the subject's key. After the commit the entry reaches the audit file.
    @discardableResult
    public func append(
        actor: String, action: String, subject: SubjectID? = nil, details: JSONObject = [:], personal: [UInt8]? = nil,
        in db: Database
    ) throws -> AuditEntry {
        let actor = Self.printable(actor)
        var details = details
        if let by = AuditAttribution.current, details["by"] == nil { details["by"] = .object(by) }
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")
        let seq = (last?["seq"] as Int? ?? 0) + 1
        let previous = last.map { [UInt8]($0["hash"] as Data) } ?? AuditEntry.genesisHash
        let time = Timestamp.iso8601(clock.now())
        let canonical = AuditEntry.canonical(
            seq: seq, time: time, actor: actor, action: action, subject: subject?.rawValue, details: details, personal: personal)
        let entry = AuditEntry(
            seq: seq, time: time, actor: actor, action: action, subject: subject?.rawValue, details: details,
            personal: personal, previousHash: previous, hash: AuditEntry.chainHash(previous: previous, canonical: canonical))
        try Self.insert(entry, in: db)
        syncFileAfterCommit(db)
        if seq % checkpointEvery == 0 { try checkpoint(in: db) }
        return entry
    }

    /// Signs the current head of the chain (if not already signed) and returns the checkpoint.
    @discardableResult
    public func checkpoint(in db: Database) throws -> AuditCheckpoint? {
        guard let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1") else { return nil }
        return try checkpoint(at: head, in: db)
    }

    /// Signs entry `seq` (if not already signed) and returns the checkpoint: a fleet's
    /// hub receives a long chain a page at a time, each page ending at a signature.
    @discardableResult
    func checkpoint(atSeq seq: Int, in db: Database) throws -> AuditCheckpoint? {
        guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_entry WHERE seq = ?", arguments: [seq]) else { return nil }
        return try checkpoint(at: row, in: db)
    }

    private func checkpoint(at head: Row, in db: Database) throws -> AuditCheckpoint {
        let seq: Int = head["seq"]
        if let existing = try Row.fetchOne(db, sql: "SELECT * FROM audit_checkpoint WHERE seq = ?", arguments: [seq]) {
            return Self.checkpoint(from: existing)
        }
        let hash = [UInt8](head["hash"] as Data)
        let time = Timestamp.iso8601(clock.now())
        let signature = signingKey.sign(AuditCheckpoint.message(seq: seq, hash: hash, time: time))
        let checkpoint = AuditCheckpoint(seq: seq, hash: hash, time: time, signature: signature)
        try Self.insert(checkpoint, in: db)
        syncFileAfterCommit(db)
        return checkpoint
    }

    /// After the current transaction commits, the file catches up with the
    /// database (serialized with every other write). A failure is logged: the next
    /// commit, or the next open, writes what is missing.
    private func syncFileAfterCommit(_ db: Database) {
        // Once per transaction, however many entries it appends (an import appends
        // thousands); writes are serialized, so one flag is enough.
        guard
            !syncScheduled.withLock({ scheduled in
                defer { scheduled = true }
                return scheduled
            })
        else { return }
        let file = self.file
        let logger = self.logger
        let scheduled = self.syncScheduled
        db.afterNextTransaction(
            onCommit: { db in
                scheduled.withLock { $0 = false }
                do {
                    try file.catchUp(with: db)
                } catch {
                    logger.error(
                        "writing the audit file failed; it is caught up at the next write",
                        metadata: ["audit.file": "\(file.path)", "error": "\(error)"])
                }
            },
            onRollback: { _ in scheduled.withLock { $0 = false } })
    }

    // MARK: Rows

    static func insert(_ entry: AuditEntry, in db: Database) throws {
        try db.execute(
            sql:
                "INSERT INTO audit_entry (seq, time, actor, action, subject_id, details, personal, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                entry.seq, entry.time, entry.actor, entry.action, entry.subject, JSONValue.object(entry.details).canonical.serialized,
                entry.personal.map { Data($0) }, Data(entry.previousHash), Data(entry.hash),
            ])
    }

    static func insert(_ checkpoint: AuditCheckpoint, in db: Database) throws {
        try db.execute(
            sql: "INSERT OR IGNORE INTO audit_checkpoint (seq, hash, time, signature) VALUES (?, ?, ?, ?)",
            arguments: [checkpoint.seq, Data(checkpoint.hash), checkpoint.time, Data(checkpoint.signature)])
    }

    /// Walks the entries after `seq` in order without parsing their details, giving
    /// each one's sequence number, previous hash, stored hash and recomputed hash: what
    /// a chain check needs, fast enough for 100,000 entries.
    static func forEachLink(
        after seq: Int, in db: Database,
        _ body: (_ seq: Int, _ previous: [UInt8], _ hash: [UInt8], _ computed: [UInt8], _ subject: String?) -> Bool
    ) throws {
        let rows = try Row.fetchCursor(db, sql: "SELECT * FROM audit_entry WHERE seq > ? ORDER BY seq", arguments: [seq])
        while let row = try rows.next() {
            guard let fields = try? Fields(row) else {
                // A column of the wrong type: the entry was altered, and is reported as
                // one that does not chain (an empty recomputed hash), never a crash.
                let number = (try? row.decode(Int.self, forColumn: "seq")) ?? -1
                guard body(number, [], [], [], nil) else { return }
                continue
            }
            let canonical = AuditEntry.canonical(
                seq: fields.seq, time: fields.time, actor: fields.actor, action: fields.action, subject: fields.subject,
                canonicalDetails: fields.details, personal: fields.personal)
            guard
                body(
                    fields.seq, fields.previous, fields.hash, AuditEntry.chainHash(previous: fields.previous, canonical: canonical),
                    fields.subject)
            else { return }
        }
    }

    /// An entry's columns, each decoded with a check: a value of the wrong type (a BLOB
    /// where text belongs) is an error, not the crash GRDB's subscripts make of it.
    private struct Fields {
        var seq: Int
        var time: String
        var actor: String
        var action: String
        var subject: String?
        var details: String
        var personal: [UInt8]?
        var previous: [UInt8]
        var hash: [UInt8]

        init(_ row: Row) throws {
            seq = try row.decode(forColumn: "seq")
            time = try row.decode(forColumn: "time")
            actor = try row.decode(forColumn: "actor")
            action = try row.decode(forColumn: "action")
            subject = try row.decode(forColumn: "subject_id")
            details = try row.decode(forColumn: "details")
            personal = (try row.decode(Data?.self, forColumn: "personal")).map { [UInt8]($0) }
            previous = [UInt8](try row.decode(Data.self, forColumn: "prev_hash"))
            hash = [UInt8](try row.decode(Data.self, forColumn: "hash"))
        }
    }

    /// Every entry, in order (a subject's only, when given).
    public static func entries(in db: Database, subject: SubjectID? = nil) throws -> [AuditEntry] {
        let rows: [Row]
        if let subject {
            rows = try Row.fetchAll(db, sql: "SELECT * FROM audit_entry WHERE subject_id = ? ORDER BY seq", arguments: [subject.rawValue])
        } else {
            rows = try Row.fetchAll(db, sql: "SELECT * FROM audit_entry ORDER BY seq")
        }
        return try rows.map(entry(from:))
    }

    static func entries(after seq: Int, limit: Int = -1, in db: Database) throws -> [AuditEntry] {
        try Row.fetchAll(db, sql: "SELECT * FROM audit_entry WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [seq, limit])
            .map { try entry(from: $0) }
    }

    static func entry(seq: Int, in db: Database) throws -> AuditEntry? {
        try Row.fetchOne(db, sql: "SELECT * FROM audit_entry WHERE seq = ?", arguments: [seq]).map { try entry(from: $0) }
    }

    /// The newest entry with `action`, if any.
    static func latest(action: String, in db: Database) throws -> AuditEntry? {
        try Row.fetchOne(db, sql: "SELECT * FROM audit_entry WHERE action = ? ORDER BY seq DESC LIMIT 1", arguments: [action])
            .map { try entry(from: $0) }
    }

    /// The last entry, or nil when the log is empty.
    static func head(in db: Database) throws -> AuditEntry? {
        try Row.fetchOne(db, sql: "SELECT * FROM audit_entry ORDER BY seq DESC LIMIT 1").map { try entry(from: $0) }
    }

    /// The time of the newest checkpoint (as written, ISO 8601), if any.
    static func latestCheckpointTime(in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT time FROM audit_checkpoint ORDER BY seq DESC LIMIT 1")
    }

    public static func checkpoints(in db: Database) throws -> [AuditCheckpoint] {
        try checkpoints(after: 0, in: db)
    }

    static func checkpoints(after seq: Int, in db: Database) throws -> [AuditCheckpoint] {
        try Row.fetchAll(db, sql: "SELECT * FROM audit_checkpoint WHERE seq > ? ORDER BY seq", arguments: [seq]).map(checkpoint(from:))
    }

    private static func entry(from row: Row) throws -> AuditEntry {
        let fields: Fields
        do { fields = try Fields(row) } catch {
            let number = (try? row.decode(Int.self, forColumn: "seq")).map(String.init) ?? "?"
            throw ConsentError(
                .damagedRecord,
                "audit entry \(number) is damaged (a column holds a value of the wrong type): run `facegate audit check`, which records it as a breach; the audit file (facegate.audit) still holds the entry as it was written"
            )
        }
        let details = (try? JSONParser.parse(fields.details))?.objectValue ?? [:]
        return AuditEntry(
            seq: fields.seq, time: fields.time, actor: fields.actor, action: fields.action, subject: fields.subject, details: details,
            personal: fields.personal, previousHash: fields.previous, hash: fields.hash)
    }

    private static func checkpoint(from row: Row) -> AuditCheckpoint {
        AuditCheckpoint(
            seq: row["seq"], hash: [UInt8](row["hash"] as Data), time: row["time"], signature: [UInt8](row["signature"] as Data))
    }
}

/// Whether the audit file's catch-up is already scheduled for the current transaction.
final class SyncFlag: Sendable {
    private let value = Mutex(false)
    func withLock<T>(_ body: (inout Bool) -> T) -> T { value.withLock { body(&$0) } }
}
