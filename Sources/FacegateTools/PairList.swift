/// A list of verification pairs read from CSV: `file_a,file_b,same` with `same` 1 for
/// the same person and 0 for different people. The header may name the last column
/// `same` or `same_person` (the shared identities set uses the latter); a file
/// without a header is accepted too.
public struct PairList: Sendable, Equatable {
    public static let acceptedHeaders = [["file_a", "file_b", "same"], ["file_a", "file_b", "same_person"]]

    public var pairs: [VerificationPair]

    public init(pairs: [VerificationPair]) {
        self.pairs = pairs
    }

    /// Parses CSV text. `source` names the file in error messages.
    public init(csv text: String, source: String) throws(EvaluationError) {
        let csv = try CSVRecords(text: text, source: source)
        var pairs: [VerificationPair] = []
        for (index, record) in csv.records.enumerated() {
            if index == 0 && Self.acceptedHeaders.contains(record.fields.map { $0.lowercased() }) { continue }
            guard record.fields.count == 3 else {
                throw EvaluationError(
                    .malformedList,
                    "\(source) line \(record.line): expected 3 fields (file_a,file_b,same), found \(record.fields.count)")
            }
            guard !record.fields[0].isEmpty, !record.fields[1].isEmpty else {
                throw EvaluationError(.malformedList, "\(source) line \(record.line): a file name is empty")
            }
            let same: Bool
            switch record.fields[2] {
            case "1": same = true
            case "0": same = false
            default:
                throw EvaluationError(
                    .malformedList, "\(source) line \(record.line): the third field must be 1 (same person) or 0 (different people)")
            }
            pairs.append(VerificationPair(record.fields[0], record.fields[1], same: same))
        }
        guard !pairs.isEmpty else {
            throw EvaluationError(.noPairs, "\(source) holds no pairs; write one `file_a,file_b,same` line per pair")
        }
        self.pairs = pairs
    }

    /// Reads and parses the CSV file at `path`.
    public init(file path: String) throws(EvaluationError) {
        try self.init(csv: try TextFile.read(path), source: path)
    }
}
