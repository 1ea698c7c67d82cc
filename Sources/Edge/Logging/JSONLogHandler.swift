import FacegateCore
public import Logging
import Synchronization

/// Writes each log record as one JSON line to standard error, where journald picks
/// it up. Metadata keys are dotted (`consent.subject`); no handler here ever adds
/// images, descriptors or names: callers must not log them.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private static let lock = Mutex(())

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: JSONObject = [
            "ts": .string(Timestamp.iso8601(Timestamp.now())),
            "level": .string(event.level.rawValue),
            "logger": .string(label),
            "msg": .string("\(event.message)"),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() {
            object[key] = Self.json(merged[key]!)
        }
        let line = JSONValue.object(object).serialized + "\n"
        Self.lock.withLock { _ in StandardStreams.writeError(line) }
    }

    private static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let s): .string(s)
        case .stringConvertible(let c): .string(c.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let dictionary):
            .object(JSONObject(dictionary.keys.sorted().map { ($0, json(dictionary[$0]!)) }))
        }
    }
}
