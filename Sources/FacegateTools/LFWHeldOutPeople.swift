/// The people of some folds of LFW's View 2 (`pairs.txt`), to leave out of anything
/// measured or calibrated on LFW: folds 1 and 2 are the project's independent check,
/// and a threshold tuned on photos of their people would be checked on what it was
/// tuned on.
///
/// `pairs.txt` starts with a line `FOLDS PAIRS` (10 300), then per fold PAIRS matched
/// lines `name n1 n2` and PAIRS mismatched lines `name1 n1 name2 n2`. Every person
/// named on a fold's lines is held out, whichever photo of theirs the pair uses:
/// another photo of the same person is still the same face.
public struct LFWHeldOutPeople: Sendable, Equatable {
    public var folds: [Int]
    public var people: Set<String>

    /// Parses `text` (pairs.txt) and collects the people of `folds` (1-based).
    public init(pairsText text: String, folds: [Int], source: String) throws(EvaluationError) {
        var lines = text.split(whereSeparator: \.isNewline).map { $0.split(whereSeparator: { $0 == "\t" || $0 == " " }) }
        lines.removeAll { $0.isEmpty }
        guard let header = lines.first, header.count == 2, let foldCount = Int(header[0]), let perFold = Int(header[1]),
            foldCount > 0, perFold > 0
        else {
            throw EvaluationError(.malformedList, "\(source) line 1: expected LFW's header `FOLDS PAIRS` (10 300)")
        }
        guard lines.count - 1 == foldCount * perFold * 2 else {
            throw EvaluationError(
                .malformedList,
                "\(source): \(lines.count - 1) pair lines, but its header says \(foldCount) folds of \(perFold) matched and \(perFold) mismatched"
            )
        }
        for fold in folds where !(1...foldCount).contains(fold) {
            throw EvaluationError(.malformedList, "\(source) has folds 1-\(foldCount); fold \(fold) is not one of them")
        }
        var people = Set<String>()
        for fold in folds {
            let start = 1 + (fold - 1) * perFold * 2
            for (offset, fields) in lines[start..<(start + perFold * 2)].enumerated() {
                let matched = offset < perFold
                guard fields.count == (matched ? 3 : 4) else {
                    throw EvaluationError(
                        .malformedList, "\(source) line \(start + offset + 1): expected a \(matched ? "matched" : "mismatched") pair")
                }
                people.insert(String(fields[0]))
                if !matched { people.insert(String(fields[2])) }
            }
        }
        self.folds = folds
        self.people = people
    }

    /// Reads `path` and collects the people of `folds`.
    public init(pairsFile path: String, folds: [Int]) throws(EvaluationError) {
        try self.init(pairsText: try TextFile.read(path), folds: folds, source: path)
    }

    /// `labels` without the held-out people's photos; nil when nothing is left.
    public func excluding(from labels: LabelList) -> LabelList? {
        let kept = labels.entries.filter { !people.contains($0.person) }
        return kept.isEmpty ? nil : LabelList(entries: kept)
    }
}
