import FacegateCore
import GRDB
import Synchronization
public import Vault

/// The audit log's copy outside the database: `STATE_DIR/facegate.audit`, one JSON
/// line per entry and per signed checkpoint, append-only, never replaced by a
/// restore.
///
/// The database stays the log's index (an entry commits in the same transaction as
/// the change it records); after each commit the new entries are appended here and
/// fsync'd. So the file is never ahead of what happened, and a database that is
/// behind the file (a restored backup, a deleted tail) gets the missing entries back
/// from it at the next open instead of reusing their sequence numbers: the chain
/// never forks or shrinks.
public final class AuditFile: Sendable {
    let file: AppendOnlyFile
    /// The last entry and checkpoint the file holds.
    private let head: Mutex<Head>

    struct Head: Equatable {
        var seq: Int
        var hash: [UInt8]
        var checkpointSeq: Int
    }

    public var path: String { file.path }

    /// The newest signed checkpoint, kept in the key directory too (`audit-anchor`):
    /// should the newest entries be cut from both the database and this file, the
    /// anchor still says how far the log went.
    let anchorPath: String

    init(path: String, anchorPath: String) throws {
        file = AppendOnlyFile(path: path)
        self.anchorPath = anchorPath
        head = Mutex(Head(seq: 0, hash: AuditEntry.genesisHash, checkpointSeq: 0))
        try reloadHead()
    }

    /// The last entry's sequence number and hash (0 and the genesis hash when empty).
    var last: Head { head.withLock { $0 } }

    /// Re-reads the head from the file (after it was archived or rewritten).
    func reloadHead() throws {
        var found = Head(seq: 0, hash: AuditEntry.genesisHash, checkpointSeq: 0)
        var sawEntry = false, sawCheckpoint = false
        // From the end: only the last entry and the last checkpoint matter, and they
        // are in the file's tail (a checkpoint comes every few hundred lines at most);
        // the whole file is read only when the tail does not hold both.
        let size = file.size
        let tailStart = max(0, size - (512 << 10))
        var tail = try file.lines(from: tailStart).lines
        if tailStart > 0, !tail.isEmpty { tail.removeFirst() }  // it may start mid-line
        var lines = tail
        if tailStart > 0,
            !tail.contains(where: { $0.hasPrefix(#"{"type":"checkpoint""#) })
                || !tail.contains(where: { $0.hasPrefix(#"{"type":"entry""#) })
        {
            lines = try file.lines().lines
        }
        for line in lines.reversed() where !(sawEntry && sawCheckpoint) {
            guard let value = try? JSONParser.parse(line) else { continue }
            switch value["type"]?.stringValue {
            case "entry" where !sawEntry:
                if let seq = value["seq"]?.intValue, let hash = value["hash"]?.stringValue.flatMap(Hex.decode) {
                    found.seq = seq
                    found.hash = hash
                    sawEntry = true
                }
            case "checkpoint" where !sawCheckpoint:
                if let seq = value["seq"]?.intValue {
                    found.checkpointSeq = seq
                    sawCheckpoint = true
                }
            default: continue
            }
        }
        head.withLock { $0 = found }
    }

    /// The sequence number a line starts with (`{"type":"entry","seq":N,` or the
    /// same for a checkpoint), read without parsing the line: the file is read whole
    /// at a restore, and 100,000 JSON parses would take seconds.
    static func leadingSeq(_ line: Substring.UTF8View) -> (entry: Bool, seq: Int)? {
        let entry = Array(#"{"type":"entry","seq":"#.utf8), checkpoint = Array(#"{"type":"checkpoint","seq":"#.utf8)
        let isEntry = line.starts(with: entry)
        guard isEntry || line.starts(with: checkpoint) else { return nil }
        var seq = 0, any = false
        for byte in line.dropFirst(isEntry ? entry.count : checkpoint.count) {
            guard byte >= 48 && byte <= 57 else { break }
            seq = seq * 10 + Int(byte - 48)
            any = true
        }
        return any ? (isEntry, seq) : nil
    }

    /// Each entry line's sequence number and hash, read without parsing the lines
    /// (an entry line ends `,"hash":"<64 hex>"}`); nil for a line that is not one.
    func entryHashes() throws -> (hashes: [(seq: Int, hash: String)], badLines: [Int]) {
        var hashes: [(seq: Int, hash: String)] = []
        var bad: [Int] = []
        let marker = Array(#","hash":""#.utf8)
        for (index, line) in try file.lines().lines.enumerated() {
            let bytes = Array(line.utf8)
            guard let lead = Self.leadingSeq(Substring(line).utf8) else {
                bad.append(index + 1)
                continue
            }
            guard lead.entry else { continue }
            let tail = bytes.count - 66 - marker.count
            guard tail > 0, Array(bytes[tail..<(tail + marker.count)]) == marker,
                bytes.suffix(2) == [UInt8(ascii: "\""), UInt8(ascii: "}")]
            else {
                bad.append(index + 1)
                continue
            }
            hashes.append((lead.seq, String(decoding: bytes[(tail + marker.count)..<(bytes.count - 2)], as: UTF8.self)))
        }
        return (hashes, bad)
    }

    /// The entry with sequence number `seq`, if the file holds it.
    func entry(seq: Int) throws -> AuditEntry? {
        for line in try file.lines().lines.reversed() {
            guard let lead = Self.leadingSeq(Substring(line).utf8), lead.entry, lead.seq == seq else { continue }
            return (try? JSONParser.parse(line)).flatMap(AuditVerifier.entry(from:))
        }
        return nil
    }

    /// Everything the file holds after entry `seq`, in order (only those lines are parsed).
    func contents(after seq: Int) throws -> (entries: [AuditEntry], checkpoints: [AuditCheckpoint], badLines: [Int]) {
        try contents { lead in lead.map { $0.seq > seq } ?? true }
    }

    /// Everything the file holds, in order. Lines that are not JSON are reported.
    func contents() throws -> (entries: [AuditEntry], checkpoints: [AuditCheckpoint], badLines: [Int]) {
        try contents { _ in true }
    }

    private func contents(including: ((entry: Bool, seq: Int)?) -> Bool) throws -> (
        entries: [AuditEntry], checkpoints: [AuditCheckpoint], badLines: [Int]
    ) {
        var entries: [AuditEntry] = []
        var checkpoints: [AuditCheckpoint] = []
        var bad: [Int] = []
        for (index, line) in try file.lines().lines.enumerated() where including(Self.leadingSeq(Substring(line).utf8)) {
            guard let value = try? JSONParser.parse(line) else {
                bad.append(index + 1)
                continue
            }
            switch value["type"]?.stringValue {
            case "entry":
                guard let entry = AuditVerifier.entry(from: value) else {
                    bad.append(index + 1)
                    continue
                }
                entries.append(entry)
            case "checkpoint":
                guard let checkpoint = AuditCheckpoint(json: value) else {
                    bad.append(index + 1)
                    continue
                }
                checkpoints.append(checkpoint)
            default:
                bad.append(index + 1)
            }
        }
        return (entries, checkpoints, bad)
    }

    /// Appends what the database holds beyond the file's head: the entries after it
    /// and checkpoints not yet written. Called after every commit that appended to
    /// the log, serialized with the database's writes.
    func catchUp(with db: Database) throws {
        let current = last
        let entries = try AuditLog.entries(after: current.seq, in: db)
        let checkpoints = try AuditLog.checkpoints(after: current.checkpointSeq, in: db)
        guard !entries.isEmpty || !checkpoints.isEmpty else { return }
        var text = ""
        var pending = checkpoints[...]
        // A checkpoint for an entry the file already holds goes first; the others
        // right after their entry.
        while let next = pending.first, next.seq <= current.seq {
            text += next.json.serialized + "\n"
            pending = pending.dropFirst()
        }
        for entry in entries {
            text += entry.json.serialized + "\n"
            while let next = pending.first, next.seq == entry.seq {
                text += next.json.serialized + "\n"
                pending = pending.dropFirst()
            }
        }
        for checkpoint in pending { text += checkpoint.json.serialized + "\n" }
        try file.append(text)
        if let newest = checkpoints.last {
            try AppendOnlyFile.replace(anchorPath, with: newest.json.serialized + "\n")
        }
        head.withLock { head in
            if let last = entries.last {
                head.seq = last.seq
                head.hash = last.hash
            }
            if let last = checkpoints.last { head.checkpointSeq = max(head.checkpointSeq, last.seq) }
        }
    }

    /// The checkpoint the anchor holds, if any.
    func anchor() -> AuditCheckpoint? {
        guard let (lines, _) = try? AppendOnlyFile(path: anchorPath).lines(), let line = lines.last,
            let value = try? JSONParser.parse(line)
        else { return nil }
        return AuditCheckpoint(json: value)
    }

    /// Moves the file aside (its history is no longer the database's) and starts an
    /// empty one. Returns where the old file went.
    func archive(reason: String, at time: Double) throws -> String {
        let stamp = String(Timestamp.iso8601(time).filter { $0 != ":" })
        let archived = try file.archive(suffix: "\(reason)-\(stamp)")
        head.withLock { $0 = Head(seq: 0, hash: AuditEntry.genesisHash, checkpointSeq: 0) }
        return archived
    }
}

extension VaultLocation {
    /// The audit log's file (see `AuditFile`).
    public var auditFile: String { stateDirectory + "/facegate.audit" }
    /// The newest signed audit checkpoint, in the key directory (see `AuditFile`).
    public var auditAnchor: String { keys.path + "/audit-anchor" }
    /// Written by `restore` before it replaces the database, consumed by the next
    /// open, which audits the restore.
    var restoreMarker: String { stateDirectory + "/facegate.restore" }
}

extension AuditCheckpoint {
    init?(json value: JSONValue) {
        guard let seq = value["seq"]?.intValue, let hash = value["hash"]?.stringValue.flatMap(Hex.decode),
            let time = value["time"]?.stringValue, let signature = value["signature"]?.stringValue.flatMap(Hex.decode)
        else { return nil }
        self.init(seq: seq, hash: hash, time: time, signature: signature)
    }
}
