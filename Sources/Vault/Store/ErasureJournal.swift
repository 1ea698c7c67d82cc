public import FacegateCore

/// An append-only record, in the key directory, of every subject erased and every
/// purpose withdrawn, so that nothing forgotten can come back.
///
/// An entry is written (and fsync'd) before the database is touched: an erasure cut
/// short by a crash is finished at the next open. Every open replays the whole
/// journal, so a restored backup (an old database) loses again what was forgotten
/// since; and because the journal lives with the keys, a backup restored on a
/// replacement device with the key directory does too. It holds pseudonyms, purpose
/// names, OS account names and times: nothing that identifies a person without the
/// vault.
///
/// **Sealed lines.** Each line ends with a keyed checksum (`"mac"`: BLAKE2b-256 under
/// a key derived from the root key) over the previous line's checksum and its own
/// text, so a line altered, moved, inserted or deleted in the middle fails. A damaged
/// journal is never read as if it were sound: one flipped byte in a pseudonym would
/// silently stop its erasure from being re-applied after a restore. The vault refuses
/// to open (`journalDamaged`, a breach event) until an intact copy is put back or the
/// damage is accepted (`acceptDamage`). A journal of the releases before the checksum
/// is sealed at the first open, if the database has never seen a sealed one.
public struct ErasureJournal: Sendable {
    /// One thing forgotten.
    public struct Entry: Sendable, Equatable {
        public enum Scope: Sendable, Equatable {
            /// The whole subject: key, templates, profile and everything linked to
            /// them. `reason` is one of a fixed list (request, withdrawal, retention,
            /// integrity), never free text.
            case subject(reason: String)
            /// Some purposes withdrawn; the subject stays.
            case purposes([String])
        }

        public var subject: SubjectID
        public var scope: Scope
        /// The OS account (or `system`) that asked.
        public var actor: String
        public var at: Double

        public init(subject: SubjectID, scope: Scope, actor: String, at: Double) {
            self.subject = subject
            self.scope = scope
            self.actor = actor
            self.at = at
        }

        public var erasesSubject: Bool {
            if case .subject = scope { return true }
            return false
        }

        /// The entry's JSON object, without the checksum.
        var object: JSONObject {
            var object: JSONObject = ["subject": .string(subject.rawValue), "at": .string(Timestamp.iso8601(at))]
            switch scope {
            case .subject(let reason): object["reason"] = .string(reason)
            case .purposes(let purposes): object["purposes"] = .array(purposes.map(JSONValue.string))
            }
            object["actor"] = .string(actor)
            return object
        }

        /// Erasures for every subject id a damaged line still shows.
        static func recovered(fromDamaged line: String, at time: Double) -> [Entry] {
            let marker = Array(#""subject":""#.utf8)
            let bytes = Array(line.utf8)
            var found: [Entry] = []
            var index = 0
            while index + marker.count + 32 <= bytes.count {
                if Array(bytes[index..<(index + marker.count)]) == marker,
                    let subject = SubjectID(String(decoding: bytes[(index + marker.count)..<(index + marker.count + 32)], as: UTF8.self))
                {
                    found.append(Entry(subject: subject, scope: .subject(reason: "request"), actor: OSUser.system.name, at: time))
                    index += marker.count + 32
                } else {
                    index += 1
                }
            }
            return found
        }

        /// Parses a line's JSON; nil for a line that is not an entry. Lines of the first
        /// journal format (`subject` and `at` only) are erasures on request.
        init?(json line: String) {
            guard let value = try? JSONParser.parse(line), let subject = value["subject"]?.stringValue.flatMap(SubjectID.init),
                let at = value["at"]?.stringValue.flatMap(Timestamp.parse)
            else { return nil }
            self.subject = subject
            self.at = at
            actor = value["actor"]?.stringValue ?? OSUser.system.name
            if let purposes = value["purposes"]?.arrayValue {
                scope = .purposes(purposes.compactMap(\.stringValue))
            } else {
                scope = .subject(reason: value["reason"]?.stringValue ?? "request")
            }
        }
    }

    /// Where a reader stands in the journal: the byte offset of the next line and the
    /// checksum of the last line read (the next line's checksum covers it).
    public struct Position: Sendable, Equatable {
        public var offset: Int
        var chain: [UInt8]

        public static let start = Position(offset: 0, chain: ErasureJournal.genesis)
    }

    /// What is wrong with a journal: the line (1-based) and why.
    public struct Damage: Error, Sendable, Equatable {
        public var line: Int
        public var reason: String
    }

    static let genesis = [UInt8](repeating: 0, count: 32)
    static let macMarker = #","mac":""#

    let file: AppendOnlyFile
    /// The checksum key (derived from the root key), or nil for a journal read without
    /// one (a vault's tests with no keys): then lines are neither sealed nor checked.
    let key: SecretKey?

    public init(path: String, key: SecretKey?) {
        file = AppendOnlyFile(path: path)
        self.key = key
    }

    public var path: String { file.path }

    var size: Int { file.size }

    // MARK: Writing

    /// Records an entry, sealed after the last line. Returns once the line is on disk.
    /// Only `VaultStore.forget` appends in the appliance (before it touches the
    /// database); a test or a recovery tool appends alone to leave what a crash right
    /// after that write leaves.
    public func append(_ entry: Entry) throws {
        try append([entry])
    }

    /// Appends entries another record (the audit log) holds and the journal lacks.
    func restore(_ entries: [Entry]) throws {
        guard !entries.isEmpty else { return }
        try append(entries)
    }

    private func append(_ entries: [Entry]) throws {
        var chain = try lastChecksum()
        var text = ""
        for entry in entries {
            let line = sealed(entry.object, after: &chain)
            text += line + "\n"
        }
        try file.append(text)
        try writeHead(size: file.size, mac: chain)
    }

    // MARK: The head

    /// Where the head is kept: `PATH.head`, beside the journal in the key directory.
    var headPath: String { file.path + ".head" }

    /// What the journal must at least hold: its size after its last committed line and
    /// that line's checksum, under a keyed tag. Written after every append (atomically),
    /// so a journal cut short at its end (a copy interrupted, lines deleted, the file
    /// emptied or removed) no longer matches it: the chain alone cannot see a missing
    /// tail.
    struct Head: Equatable {
        var size: Int
        var mac: [UInt8]
    }

    func writeHead(size: Int, mac: [UInt8]) throws {
        guard let key else { return }
        let tag = Blake2b.keyedHash(Array("head|\(size)|".utf8) + mac, key: key)
        let object: JSONObject = ["size": .int(size), "mac": .string(Hex.encode(mac)), "tag": .string(Hex.encode(tag))]
        try AppendOnlyFile.replace(headPath, with: JSONValue.object(object).serialized + "\n")
    }

    /// The head, nil when there is none; `Damage` when its tag does not verify.
    func readHead() throws -> Head? {
        guard let key else { return nil }
        let head = AppendOnlyFile(path: headPath)
        guard head.exists else { return nil }
        let (bytes, _) = try head.read()
        let text = String(decoding: bytes, as: UTF8.self)
        guard let value = try? JSONParser.parse(text), let size = value["size"]?.intValue,
            let mac = value["mac"]?.stringValue.flatMap(Hex.decode), let tag = value["tag"]?.stringValue.flatMap(Hex.decode),
            Blake2b.keyedHash(Array("head|\(size)|".utf8) + mac, key: key) == tag
        else { throw Damage(line: 0, reason: "its head record (\(headPath)) does not verify") }
        return Head(size: size, mac: mac)
    }

    /// Whether the journal holds at least what `head` records: as many bytes, with the
    /// line ending there carrying the head's checksum. Nil when it does; else the reason.
    func shortfall(against head: Head) throws -> String? {
        let (bytes, end) = try file.read()
        guard end >= head.size else {
            return
                "it is shorter than its head record says (\(end) of \(head.size) bytes): lines were cut from its end, or it was emptied or replaced"
        }
        let committed = bytes[..<head.size]
        guard head.size > 0 else { return head.mac == Self.genesis ? nil : "its head record does not match its start" }
        guard committed.last == UInt8(ascii: "\n") else { return "its head record does not fall on the end of a line" }
        let lineStart = committed.dropLast().lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let line = String(decoding: committed[lineStart..<(head.size - 1)], as: UTF8.self)
        guard Self.split(line)?.mac == head.mac else {
            return "the line its head record ends on is not the one recorded: lines were cut from its end or replaced"
        }
        return nil
    }

    /// The line for `object`, sealed after `chain` (which becomes this line's checksum).
    func sealed(_ object: JSONObject, after chain: inout [UInt8]) -> String {
        var body = JSONValue.object(object).serialized
        guard let key else { return body }
        let mac = Blake2b.keyedHash(chain + Array(body.utf8), key: key)
        chain = mac
        body.removeLast()  // the closing brace
        return body + Self.macMarker + Hex.encode(mac) + "\"}"
    }

    /// The checksum of the journal's last complete line (what the next line covers).
    private func lastChecksum() throws -> [UInt8] {
        guard key != nil else { return Self.genesis }
        guard let last = try file.lastLine(), let (_, mac) = Self.split(last) else { return Self.genesis }
        return mac
    }

    // MARK: Reading

    /// The entries after `position`, and the position after them. A last line cut
    /// short by a crash is ignored: its erasure had not started. Any other line that
    /// fails its checksum, has none, or does not parse is `Damage`: nothing of the
    /// journal is used until it is repaired (`acceptDamage`) or replaced.
    public func entries(after position: Position = .start) throws -> (entries: [Entry], end: Position) {
        let (lines, end) = try file.lines(from: position.offset)
        var chain = position.chain
        var entries: [Entry] = []
        for line in lines {
            guard let key else {
                guard let entry = Entry(json: line) else { throw Damage(line: 0, reason: "it is not an entry") }
                entries.append(entry)
                continue
            }
            guard let (body, mac) = Self.split(line) else {
                throw try damage(at: line, "it has no checksum (the line was altered, or written by hand)")
            }
            guard Blake2b.keyedHash(chain + Array(body.utf8), key: key) == mac else {
                throw try damage(at: line, "its checksum does not match (the line was altered, moved, or one before it removed)")
            }
            guard let entry = Entry(json: body) else { throw try damage(at: line, "it is not an entry") }
            entries.append(entry)
            chain = mac
        }
        return (entries, Position(offset: end, chain: chain))
    }

    /// The damage at `line`, numbered from the journal's first line.
    private func damage(at line: String, _ reason: String) throws -> Damage {
        let (lines, _) = try file.lines()
        return Damage(line: (lines.firstIndex(of: line) ?? -1) + 1, reason: reason)
    }

    /// Whether the journal holds only lines of the first releases (no checksum): `seal`
    /// rewrites it, once.
    func isUnsealed() throws -> Bool {
        guard key != nil else { return false }
        let (lines, _) = try file.lines()
        return !lines.isEmpty && !lines.contains { Self.split($0) != nil }
    }

    /// Rewrites a journal of the first releases with checksums, atomically (a new file
    /// renamed over the old one): done once, at the first open by a release that seals,
    /// and only while the database has never seen a sealed journal (`VaultStore`).
    /// A line that is not an entry is read as the erasure of every subject it shows.
    func seal(at time: Double) throws {
        let (lines, _) = try file.lines()
        try rewrite(lines.flatMap { line in Entry(json: line).map { [$0] } ?? Entry.recovered(fromDamaged: line, at: time) })
    }

    private func rewrite(_ entries: [Entry]) throws {
        var chain = Self.genesis
        let text = entries.map { sealed($0.object, after: &chain) + "\n" }.joined()
        try AppendOnlyFile.replace(file.path, with: text)
        try writeHead(size: text.utf8.count, mac: chain)
    }

    /// Accepts a damaged journal: its damaged lines are kept aside in
    /// `PATH.damaged-TIME` for the DPO, the conservative reading of each (the erasure
    /// of every subject id it still shows) takes its place, and the journal is sealed
    /// again with a new head. Returns the damaged lines' numbers and text, the file that
    /// keeps them, and why the head did not match (a journal cut short), if it did not.
    func acceptDamage(at time: Double) throws -> (lines: [Int], text: [String], keptIn: String, shortfall: String?) {
        guard let key else { return ([], [], "", nil) }
        // A journal cut short at its end (or a head that does not verify) is accepted
        // by recording its head anew: what was cut is gone from it.
        var shortfall: String?
        do {
            if let head = try readHead() { shortfall = try self.shortfall(against: head) } else { shortfall = "its head record is missing" }
        } catch let damage as Damage {
            shortfall = damage.reason
        }
        let (lines, _) = try file.lines()
        var chain = Self.genesis
        var entries: [Entry] = []
        var damaged: [(Int, String)] = []
        for (index, line) in lines.enumerated() {
            let split = Self.split(line)
            if let (body, mac) = split, Blake2b.keyedHash(chain + Array(body.utf8), key: key) == mac, let entry = Entry(json: body) {
                entries.append(entry)
                chain = mac
            } else {
                damaged.append((index + 1, line))
                entries.append(contentsOf: Entry.recovered(fromDamaged: line, at: time))
                // The next line's checksum covers this line's, which may be intact
                // although its text is not: go on from it.
                if let (_, mac) = split { chain = mac }
            }
        }
        guard !damaged.isEmpty || shortfall != nil else { return ([], [], "", nil) }
        var kept = ""
        if !damaged.isEmpty {
            kept = file.path + ".damaged-" + String(Timestamp.iso8601(time).filter { $0 != ":" })
            try AppendOnlyFile.replace(kept, with: damaged.map { "line \($0.0): \($0.1)\n" }.joined())
        }
        try rewrite(entries)
        return (damaged.map(\.0), damaged.map(\.1), kept, shortfall)
    }

    /// A sealed line's body (its JSON without the checksum) and checksum, or nil for a
    /// line without one.
    static func split(_ line: String) -> (body: String, mac: [UInt8])? {
        let bytes = Array(line.utf8)
        let marker = Array(macMarker.utf8)
        // … ,"mac":"<64 hex>"}
        let tail = marker.count + 64 + 2
        guard bytes.count > tail, Array(bytes[(bytes.count - tail)..<(bytes.count - tail + marker.count)]) == marker,
            bytes[bytes.count - 2] == UInt8(ascii: "\""), bytes[bytes.count - 1] == UInt8(ascii: "}"),
            let mac = Hex.decode(String(decoding: bytes[(bytes.count - 66)..<(bytes.count - 2)], as: UTF8.self)), mac.count == 32
        else { return nil }
        return (String(decoding: bytes[..<(bytes.count - tail)], as: UTF8.self) + "}", mac)
    }

    /// Of `subjects`, those a damaged `line` may name: its text holds their id with at
    /// most two characters changed (a flipped byte or two in the pseudonym). Two
    /// random 128-bit ids that close do not happen by chance.
    static func subjects(_ subjects: [SubjectID], nearlyNamedIn line: String) -> [SubjectID] {
        let text = Array(line.utf8)
        guard text.count >= 32 else { return [] }
        return subjects.filter { subject in
            let id = Array(subject.rawValue.utf8)
            for start in 0...(text.count - 32) {
                var differences = 0
                for offset in 0..<32 where text[start + offset] != id[offset] {
                    differences += 1
                    if differences > 2 { break }
                }
                if differences <= 2 { return true }
            }
            return false
        }
    }

    /// Every subject the journal says was erased.
    public func erasedSubjects() throws -> Set<SubjectID> {
        Set(try entries().entries.filter(\.erasesSubject).map(\.subject))
    }
}
