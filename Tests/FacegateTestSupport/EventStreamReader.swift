public import Foundation

/// A client of the console's server-sent event stream for end-to-end tests: `curl -N`
/// reading `PATH` with a bearer token or cookies, each `event:`/`data:` pair parsed
/// with the time its data line arrived.
public final class EventStreamReader: @unchecked Sendable {
    public struct Event: @unchecked Sendable {
        public var name: String
        public var data: [String: Any]
        public var arrived: Date
    }

    private let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var buffer = Data()
    private var received: [Event] = []
    private var currentName = "message"
    private var raw = ""

    /// Starts reading `base + path`; `headers` as given (Authorization, Cookie).
    public init(base: String, path: String = "/api/v1/events", headers: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var arguments = ["-sN", "-i", "--max-time", "300"]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { arguments += ["-H", "\(name): \(value)"] }
        process.arguments = arguments + [base + path]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in self?.take(handle.availableData) }
        try process.run()
    }

    private func take(_ data: Data) {
        let now = Date()
        lock.lock()
        defer { lock.unlock() }
        buffer.append(data)
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self).trimmingCharacters(
                in: .init(charactersIn: "\r"))
            buffer = Data(buffer[buffer.index(after: newline)...])
            raw += line + "\n"
            if line.hasPrefix("event: ") {
                currentName = String(line.dropFirst(7))
            } else if line.hasPrefix("data: ") {
                let object = (try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8))) as? [String: Any] ?? [:]
                received.append(Event(name: currentName, data: object, arrived: now))
            } else if line.isEmpty {
                currentName = "message"
            }
        }
    }

    /// The events read so far.
    public var events: [Event] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    /// Everything read so far, the response's head included.
    public var text: String {
        lock.lock()
        defer { lock.unlock() }
        return raw
    }

    /// Whether curl is still reading (the stream is open).
    public var isOpen: Bool { process.isRunning }

    /// The first event matching `predicate` within `seconds`.
    public func wait(seconds: Double = 30, _ predicate: (Event) -> Bool) -> Event? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let event = events.first(where: predicate) { return event }
            usleep(50_000)
        }
        return nil
    }

    /// Waits up to `seconds` for `expected` in what was read; true when it came.
    public func waitForText(_ expected: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if text.contains(expected) { return true }
            usleep(50_000)
        }
        return false
    }

    /// Waits up to `seconds` for the server to end the stream; true when it did.
    public func waitForEnd(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if !process.isRunning { return true }
            usleep(50_000)
        }
        return false
    }

    public func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
    }

    deinit { stop() }
}
