public import Foundation

/// A bare client of the admin socket for tests: lines in, lines out, nothing checked,
/// so that tests can send what a real client never would.
public final class RawAdminSocket {
    public let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects, or returns nil when nothing listens.
    public init?(path: String, receiveTimeout: Int = 30) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            close(fd)
            return nil
        }
        var timeout = timeval(tv_sec: receiveTimeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends bytes as they are; false if the daemon closed the connection.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    @discardableResult
    public func send(line: String) -> Bool { send(Array((line + "\n").utf8)) }

    /// The next reply line; nil on timeout or when the daemon closed the connection.
    public func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return String(decoding: line, as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            buffer += chunk[0..<n]
        }
    }

    /// Sends a request object and parses the reply.
    public func request(_ object: [String: Any]) -> [String: Any]? {
        guard let data = try? JSONSerialization.data(withJSONObject: object), send(line: String(decoding: data, as: UTF8.self)),
            let reply = readLine()
        else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any]
    }

    /// Uploads `bytes` in chunks of 36 KiB; the upload's id, or nil when refused.
    public func upload(_ bytes: [UInt8], name: String = "photo.jpg") -> String? {
        var id: String?
        var offset = 0
        repeat {
            let end = min(bytes.count, offset + 36 * 1024)
            var arguments: [String: Any] = ["name": name, "data": Data(bytes[offset..<end]).base64EncodedString()]
            if let id { arguments["upload"] = id }
            guard let reply = request(["v": 1, "id": "u", "cmd": "upload", "args": arguments]), reply["ok"] as? Bool == true,
                let next = (reply["result"] as? [String: Any])?["upload"] as? String
            else { return nil }
            id = next
            offset = end
        } while offset < bytes.count
        return id
    }

    /// Whether the daemon has closed this connection (reads EOF within `seconds`).
    public func isClosed(within seconds: Int) -> Bool {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        while true {
            let n = recv(fd, &byte, 1, 0)
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }
}

/// A `facegate run` daemon for a test: started in the background, stopped with
/// SIGTERM when released.
public final class DaemonProcess: @unchecked Sendable {
    public let process = Process()
    public let socketPath: String
    private let output = Pipe()
    private let errors = Pipe()
    private let collected = OutputCollector()

    /// Starts `facegate run`; `passSocket: false` lets it choose its socket itself
    /// (it must then be `socketPath`, which the caller expects it to choose).
    public init(
        arguments: [String], socketPath: String, environment: [String: String] = [:], passSocket: Bool = true, cgroup: MemoryCgroup? = nil
    ) throws {
        self.socketPath = socketPath
        let runArguments = ["run"] + (passSocket ? ["--socket", socketPath] : []) + arguments
        let (executable, all) = cgroup?.wrapping(TestResources.facegateBinary, runArguments) ?? (TestResources.facegateBinary, runArguments)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = all
        process.environment = FacegateProcess(environment: environment).environment
        process.standardOutput = output
        process.standardError = errors
        let collected = self.collected
        output.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData) }
        errors.fileHandleForReading.readabilityHandler = { handle in collected.appendError(handle.availableData) }
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: socketPath), RawAdminSocket(path: socketPath) != nil { return }
            if !process.isRunning { break }
            usleep(50_000)
        }
        throw NSError(
            domain: "facegate-tests", code: 1, userInfo: [NSLocalizedDescriptionKey: "the daemon did not start: \(collected.errorText)"])
    }

    /// The decision events printed so far.
    public var events: [[String: Any]] {
        collected.text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    public var errorText: String { collected.errorText }

    /// Each decision event with when its line arrived on standard output.
    public var eventArrivals: [(arrived: Date, event: [String: Any])] {
        collected.lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.text.utf8)) as? [String: Any]).map { (line.arrived, $0) }
        }
    }

    /// The first event matching `predicate` within `seconds`, polling what was printed.
    public func waitForEvent(seconds: Double = 20, _ predicate: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let event = events.first(where: predicate) { return event }
            usleep(100_000)
        }
        return nil
    }

    /// Stops the daemon; returns its exit status.
    @discardableResult
    public func stop() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        errors.fileHandleForReading.readabilityHandler = nil
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { stop() }
    }
}

final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    private var pending = Data()
    private var arrived: [(text: String, arrived: Date)] = []
    func append(_ data: Data) {
        let now = Date()
        lock.lock()
        out.append(data)
        pending.append(data)
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            arrived.append((String(decoding: pending[pending.startIndex..<newline], as: UTF8.self), now))
            pending = Data(pending[pending.index(after: newline)...])
        }
        lock.unlock()
    }
    /// Standard output's complete lines, each with when it arrived.
    var lines: [(text: String, arrived: Date)] {
        lock.lock()
        defer { lock.unlock() }
        return arrived
    }
    func appendError(_ data: Data) {
        lock.lock()
        err.append(data)
        lock.unlock()
    }
    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: out, as: UTF8.self)
    }
    var errorText: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: err, as: UTF8.self)
    }
}
