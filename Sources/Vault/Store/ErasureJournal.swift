import FacegateCore

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

        var line: String {
            var object: JSONObject = ["subject": .string(subject.rawValue), "at": .string(Timestamp.iso8601(at))]
            switch scope {
            case .subject(let reason): object["reason"] = .string(reason)
            case .purposes(let purposes): object["purposes"] = .array(purposes.map(JSONValue.string))
            }
            object["actor"] = .string(actor)
            return JSONValue.object(object).serialized + "\n"
        }

        /// Erasures for every subject id a damaged line still shows.
        static func recovered(fromDamaged line: String) -> [Entry] {
            let marker = Array(#""subject":""#.utf8)
            let bytes = Array(line.utf8)
            var found: [Entry] = []
            var index = 0
            while index + marker.count + 32 <= bytes.count {
                if Array(bytes[index..<(index + marker.count)]) == marker,
                    let subject = SubjectID(String(decoding: bytes[(index + marker.count)..<(index + marker.count + 32)], as: UTF8.self))
                {
                    found.append(
                        Entry(subject: subject, scope: .subject(reason: "request"), actor: OSUser.system.name, at: Timestamp.now()))
                    index += marker.count + 32
                } else {
                    index += 1
                }
            }
            return found
        }

        /// Parses a line; nil for a line that is not an entry. Lines of the first
        /// journal format (`subject` and `at` only) are erasures on request.
        init?(line: String) {
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

    let file: AppendOnlyFile

    /// Appends entries another record (the audit log) holds and the journal lacks.
    func restore(_ entries: [Entry]) throws {
        guard !entries.isEmpty else { return }
        try file.append(entries.map(\.line).joined())
    }

    public init(path: String) {
        file = AppendOnlyFile(path: path)
    }

    public var path: String { file.path }

    /// Records an entry. Returns once the line is on disk.
    func append(_ entry: Entry) throws {
        try file.append(entry.line)
    }

    /// The entries from byte `offset` on, and where the next read should start. A
    /// last line cut short by a crash is ignored: its erasure had not started. A line
    /// damaged in the middle of the file is never dropped: every subject it names is
    /// taken as erased (the safe reading of a damaged erasure record).
    public func entries(from offset: Int = 0) throws -> (entries: [Entry], end: Int) {
        let (lines, end) = try file.lines(from: offset)
        return (lines.flatMap { line in Entry(line: line).map { [$0] } ?? Entry.recovered(fromDamaged: line) }, end)
    }

    /// Every subject the journal says was erased.
    public func erasedSubjects() throws -> Set<SubjectID> {
        Set(try entries().entries.filter(\.erasesSubject).map(\.subject))
    }

    var size: Int { file.size }
}
