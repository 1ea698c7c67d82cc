import FacegateCore

/// Reads one table of the policy, remembering which keys were read so that any key
/// left over can be reported as unknown, by its full path.
struct PolicyReader {
    let table: JSONObject
    let path: String
    private(set) var read: Set<String> = []

    init(_ value: JSONValue?, path: String) throws {
        guard let object = value?.objectValue else {
            throw ConsentError(.invalidPolicy, "policy: '\(path)' must be a table")
        }
        table = object
        self.path = path
    }

    private func key(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    mutating func string(_ name: String, default fallback: String? = nil) throws -> String {
        read.insert(name)
        guard let value = table[name] else {
            if let fallback { return fallback }
            throw ConsentError(.invalidPolicy, "policy: '\(key(name))' is missing")
        }
        guard let text = value.stringValue else {
            throw ConsentError(.invalidPolicy, "policy: '\(key(name))' must be a string")
        }
        return text
    }

    mutating func optionalString(_ name: String) throws -> String? {
        guard table[name] != nil else {
            read.insert(name)
            return nil
        }
        let text = try string(name)
        return text.isEmpty ? nil : text
    }

    mutating func strings(_ name: String, default fallback: [String]? = nil) throws -> [String] {
        read.insert(name)
        guard let value = table[name] else {
            if let fallback { return fallback }
            throw ConsentError(.invalidPolicy, "policy: '\(key(name))' is missing")
        }
        guard let array = value.arrayValue, let strings = Optional(array.compactMap(\.stringValue)), strings.count == array.count else {
            throw ConsentError(.invalidPolicy, "policy: '\(key(name))' must be a list of strings")
        }
        return strings
    }

    mutating func number(_ name: String, default fallback: Double? = nil) throws -> Double {
        read.insert(name)
        guard let value = table[name] else {
            if let fallback { return fallback }
            throw ConsentError(.invalidPolicy, "policy: '\(key(name))' is missing")
        }
        guard let number = value.doubleValue else {
            throw ConsentError(.invalidPolicy, "policy: '\(key(name))' must be a number")
        }
        return number
    }

    /// A number within `range` (every numeric key has one: see `PolicyRange`).
    mutating func number(_ name: String, default fallback: Double? = nil, range: ClosedRange<Double>, unit: String) throws -> Double {
        let value = try number(name, default: fallback)
        guard value.isFinite, range.contains(value) else {
            throw ConsentError(
                .invalidPolicy,
                "policy: '\(key(name))' must be between \(Self.format(range.lowerBound)) and \(Self.format(range.upperBound)) \(unit) (got \(value))"
            )
        }
        return value
    }

    /// A list of exactly `count` numbers, each within `range`.
    mutating func numbers(_ name: String, default fallback: [Double], count: Int, range: ClosedRange<Double>) throws -> [Double] {
        read.insert(name)
        guard let value = table[name] else { return fallback }
        guard let array = value.arrayValue, array.count == count, let numbers = Optional(array.compactMap(\.doubleValue)),
            numbers.count == count, numbers.allSatisfy({ $0.isFinite && range.contains($0) })
        else {
            throw ConsentError(
                .invalidPolicy,
                "policy: '\(key(name))' must be a list of \(count) numbers between \(Self.format(range.lowerBound)) and \(Self.format(range.upperBound))"
            )
        }
        return numbers
    }

    mutating func integer(_ name: String, default fallback: Int? = nil, range: ClosedRange<Int>) throws -> Int {
        read.insert(name)
        guard let value = table[name] else {
            if let fallback { return fallback }
            throw ConsentError(.invalidPolicy, "policy: '\(key(name))' is missing")
        }
        guard let integer = value.intValue, range.contains(integer) else {
            throw ConsentError(
                .invalidPolicy, "policy: '\(key(name))' must be a whole number between \(range.lowerBound) and \(range.upperBound)")
        }
        return integer
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    mutating func bool(_ name: String, default fallback: Bool) throws -> Bool {
        read.insert(name)
        guard let value = table[name] else { return fallback }
        guard let flag = value.boolValue else {
            throw ConsentError(.invalidPolicy, "policy: '\(key(name))' must be true or false")
        }
        return flag
    }

    mutating func table(_ name: String, required: Bool = true) throws -> PolicyReader? {
        read.insert(name)
        guard let value = table[name] else {
            if required { throw ConsentError(.invalidPolicy, "policy: table '[\(key(name))]' is missing") }
            return nil
        }
        return try PolicyReader(value, path: key(name))
    }

    mutating func tables(_ name: String) throws -> [PolicyReader] {
        read.insert(name)
        guard let value = table[name] else { return [] }
        guard let array = value.arrayValue else {
            throw ConsentError(.invalidPolicy, "policy: '\(key(name))' must be an array of tables ([[\(key(name))]])")
        }
        return try array.enumerated().map { index, element in try PolicyReader(element, path: "\(key(name))[\(index)]") }
    }

    /// Every key of this table, for tables whose keys are names (purposes).
    mutating func markAllRead() -> [String] {
        read.formUnion(table.keys)
        return table.keys
    }

    /// Throws for the first key that was never read.
    func rejectUnknownKeys() throws {
        for name in table.keys where !read.contains(name) {
            let known = read.sorted().joined(separator: ", ")
            throw ConsentError(.invalidPolicy, "policy: unknown key '\(key(name))'; known keys here: \(known). Check the spelling")
        }
    }
}

extension PolicyReader {
    /// `[recognition] trigger`: one of `DoorTrigger`'s names.
    mutating func trigger() throws -> DoorTrigger {
        let text = try string("trigger", default: DoorTrigger.zone.rawValue)
        guard let trigger = DoorTrigger(rawValue: text) else {
            throw ConsentError(
                .invalidPolicy,
                "policy: '\(path).trigger' must be one of \(DoorTrigger.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")) (got \"\(text)\")"
            )
        }
        return trigger
    }

    /// `[recognition] rule`: one of `RecognitionRuleSource`'s names.
    mutating func ruleSource() throws -> RecognitionRuleSource {
        let text = try string("rule", default: RecognitionRuleSource.derived.rawValue)
        guard let rule = RecognitionRuleSource(rawValue: text) else {
            throw ConsentError(
                .invalidPolicy,
                "policy: '\(path).rule' must be one of \(RecognitionRuleSource.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")) (got \"\(text)\")"
            )
        }
        return rule
    }

    /// `[recognition] zone = [x0, y0, x1, y1]`, fractions of the frame, with x0 < x1 and y0 < y1.
    mutating func zone() throws -> DoorZone {
        let values = try numbers("zone", default: DoorZone.default.array, count: 4, range: PolicyRange.zoneEdge)
        guard values[2] - values[0] >= PolicyRange.zoneMinimumSide, values[3] - values[1] >= PolicyRange.zoneMinimumSide else {
            throw ConsentError(
                .invalidPolicy,
                "policy: '\(path).zone' is [x0, y0, x1, y1] with x1 - x0 and y1 - y0 at least \(PolicyRange.zoneMinimumSide) of the frame (got \(values))"
            )
        }
        return DoorZone(x0: values[0], y0: values[1], x1: values[2], y1: values[3])
    }
}
