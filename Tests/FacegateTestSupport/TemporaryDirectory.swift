import Foundation

/// A fresh directory for one test, removed when the object is released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    /// Creates `<base>/<prefix>.XXXXXX` (by default under /tmp, short, so Unix socket
    /// paths inside it fit).
    public init(prefix: String = "fg", base: String = "/tmp") {
        var template = Array("\(base)/\(prefix).XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let result = mkdtemp(buffer.baseAddress!) else { return nil }
            return String(cString: result)
        }
        guard let created else { fatalError("mkdtemp failed: \(String(cString: strerror(errno)))") }
        path = created
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `path/name`.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes bytes to `path/name` and returns the full path.
    @discardableResult
    public func write(_ name: String, bytes: [UInt8]) throws -> String {
        let target = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    @discardableResult
    public func write(_ name: String, text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }
}
