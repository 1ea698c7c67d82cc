import FacegateCore
import TOMLKit

/// Parses TOML into `JSONValue`, so that the policy reader is independent of the TOML
/// library and can report unknown keys by their full path.
enum TOMLDocument {
    static func parse(_ text: String, path: String) throws -> JSONValue {
        do {
            return convert(try TOMLTable(string: text))
        } catch let error as TOMLParseError {
            throw ConsentError(
                .invalidPolicy, "'\(path)' is not valid TOML: \(error.description) at \(error.source.begin.debugDescription)")
        }
    }

    private static func convert(_ value: any TOMLValueConvertible) -> JSONValue {
        switch value.type {
        case .table:
            guard let table = value.table else { return .null }
            return .object(JSONObject(table.keys.sorted().map { key in (key, table[key].map(convert) ?? .null) }))
        case .array:
            guard let array = value.array else { return .null }
            return .array(array.map { convert($0) })
        case .string: return .string(value.string ?? "")
        case .int: return .int(value.int ?? 0)
        case .double: return .double(value.double ?? 0)
        case .bool: return .bool(value.bool ?? false)
        default: return .string(value.debugDescription)
        }
    }
}
