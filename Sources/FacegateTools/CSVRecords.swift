/// The records of a small CSV file, each with its 1-based line number so that an error
/// can point at the line to fix. Fields may be double-quoted (a quote inside is
/// doubled, RFC 4180) but may not span lines; blank lines are skipped.
struct CSVRecords {
    struct Record {
        let line: Int
        let fields: [String]
    }

    let source: String
    let records: [Record]

    init(text: String, source: String) throws(EvaluationError) {
        self.source = source
        var records: [Record] = []
        var lineNumber = 0
        // "\r\n" is one Character in Swift: splitting on "\n" alone would not split
        // a file written on Windows.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            if lineNumber == 1 && line.first == "\u{FEFF}" { line = line.dropFirst() }
            if line.allSatisfy(\.isWhitespace) { continue }
            records.append(Record(line: lineNumber, fields: try Self.fields(of: line, line: lineNumber, source: source)))
        }
        self.records = records
    }

    private static func fields(of line: Substring, line number: Int, source: String) throws(EvaluationError) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if quoted {
                if character == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex && line[next] == "\"" {
                        current.append("\"")
                        index = next
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && current.allSatisfy(\.isWhitespace) {
                // A quote opens a field even after spaces, as people type `a, "b, c"`.
                quoted = true
                current = ""
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
            index = line.index(after: index)
        }
        if quoted {
            throw EvaluationError(.malformedList, "\(source) line \(number): a quoted field is not closed (fields may not span lines)")
        }
        fields.append(current)
        return fields.map(trimmed)
    }

    private static func trimmed(_ text: String) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(text[first...last])
    }
}
