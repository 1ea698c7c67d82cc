/// Image files labelled with the person they show, read from CSV `file,person`
/// (further columns are ignored, so the shared `identities.csv` works as it is).
/// Every two files of the list make a pair: the same person when their labels match.
public struct LabelList: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var file: String
        public var person: String

        public init(file: String, person: String) {
            self.file = file
            self.person = person
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// Parses CSV text whose first line is a header starting `file,person`.
    public init(csv text: String, source: String) throws(EvaluationError) {
        let csv = try CSVRecords(text: text, source: source)
        guard let header = csv.records.first else {
            throw EvaluationError(.noPairs, "\(source) is empty; write a `file,person` header and one line per image")
        }
        guard header.fields.count >= 2, header.fields[0].lowercased() == "file", header.fields[1].lowercased() == "person" else {
            throw EvaluationError(.malformedList, "\(source) line \(header.line): the header must start with `file,person`")
        }
        var entries: [Entry] = []
        var seen = Set<String>()
        for record in csv.records.dropFirst() {
            guard record.fields.count >= 2, !record.fields[0].isEmpty, !record.fields[1].isEmpty else {
                throw EvaluationError(.malformedList, "\(source) line \(record.line): expected a file and a person label")
            }
            guard seen.insert(record.fields[0]).inserted else {
                throw EvaluationError(.malformedList, "\(source) line \(record.line): this file is already listed on an earlier line")
            }
            entries.append(Entry(file: record.fields[0], person: record.fields[1]))
        }
        guard entries.count >= 2 else {
            throw EvaluationError(.noPairs, "\(source) lists \(entries.count) image(s); at least two are needed to make a pair")
        }
        self.entries = entries
    }

    /// Reads and parses the CSV file at `path`.
    public init(file path: String) throws(EvaluationError) {
        try self.init(csv: try TextFile.read(path), source: path)
    }

    /// Every unordered pair of files, in list order: n(n-1)/2 pairs.
    public var allPairs: [VerificationPair] {
        var pairs: [VerificationPair] = []
        pairs.reserveCapacity(entries.count * (entries.count - 1) / 2)
        for i in entries.indices {
            for j in entries.indices where j > i {
                pairs.append(VerificationPair(entries[i].file, entries[j].file, same: entries[i].person == entries[j].person))
            }
        }
        return pairs
    }
}
