import FaceEngine
public import FacegateCore
import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

/// The CLI's side of the admin socket: sends requests to a running daemon, one JSON
/// line each, uploading images in chunks so that no line exceeds the daemon's limit.
public final class AdminSocketClient {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var nextID = 1
    /// Raw bytes per upload chunk: 36 KiB, 48 KiB in base64, under the 64 KiB line limit.
    static let chunkBytes = 36 * 1024

    /// Connects to a daemon; nil when none is listening (no socket, or a stale one),
    /// so that the caller can run the command in-process instead.
    public static func connect(path: String, timeoutSeconds: Int = 120) throws -> AdminSocketClient? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw AdminError(.invalidRequest, "the socket path '\(path)' is too long for a Unix socket")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw AdminError(.unavailable, "cannot create a socket: \(String(cString: strerror(errno)))") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if connected != 0 {
            let code = errno
            close(fd)
            if code == ENOENT || code == ECONNREFUSED { return nil }
            if code == EACCES || code == EPERM {
                throw AdminError(
                    .notPermitted,
                    "permission denied on the admin socket '\(path)': ask to be added to the admin group (see the policy's admin_group)")
            }
            throw AdminError(.unavailable, "cannot connect to the admin socket '\(path)': \(String(cString: strerror(code)))")
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return AdminSocketClient(fd: fd)
    }

    private init(fd: Int32) { self.fd = fd }

    /// The state directory the caller means (sent with every request): a daemon that
    /// serves another one refuses, instead of acting on the wrong appliance.
    public var stateDirectory: String?

    deinit { close(fd) }

    /// Sends a request (uploading its images first) and returns the result, or throws
    /// the daemon's error.
    public func send(_ request: AdminRequest) throws -> JSONValue {
        var arguments = request.command.arguments
        var uploads: [JSONValue] = []
        for image in request.images {
            uploads.append(.string(try upload(image)))
        }
        if !uploads.isEmpty { arguments["uploads"] = .array(uploads) }
        return try exchange(command: request.command.name.rawValue, arguments: arguments)
    }

    private func upload(_ image: ImageSource) throws -> String {
        guard var bytes = try image.encodedBytes() else {
            throw AdminError(.invalidRequest, "camera frames are enrolled in-process, not over the socket")
        }
        defer { bytes.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
        var id: String?
        var offset = 0
        repeat {
            let end = min(bytes.count, offset + Self.chunkBytes)
            var arguments: JSONObject = ["name": .string(image.name), "data": .string(Data(bytes[offset..<end]).base64EncodedString())]
            if let id { arguments["upload"] = .string(id) }
            let result = try exchange(command: "upload", arguments: arguments)
            id = result["upload"]?.stringValue
            offset = end
        } while offset < bytes.count
        guard let id else { throw AdminError(.invalidRequest, "the daemon did not acknowledge an upload") }
        return id
    }

    private func exchange(command: String, arguments: JSONObject) throws -> JSONValue {
        let id = String(nextID)
        nextID += 1
        var line: JSONValue = [
            "v": .int(AdminRequest.protocolVersion), "id": .string(id), "cmd": .string(command), "args": .object(arguments),
        ]
        if let stateDirectory, case .object(var object) = line {
            object["state_dir"] = .string(stateDirectory)
            line = .object(object)
        }
        do {
            try write(line.serialized + "\n")
        } catch let failure as AdminError where failure.code == .unavailable {
            // A daemon that refuses a caller answers at once and closes: the request
            // may then fail to send, but the refusal is waiting to be read. (Only a
            // failed send is retried as a read: a reply that timed out is not waited
            // for twice.)
            guard let refusal = try? readLine() else { throw failure }
            return try Self.result(of: refusal)
        }
        return try Self.result(of: try readLine())
    }

    /// The result in a reply line, or the daemon's error.
    private static func result(of reply: [UInt8]) throws -> JSONValue {
        guard let object = try? JSONParser.parse(reply) else {
            throw AdminError(.invalidRequest, "the daemon sent a reply that is not JSON")
        }
        if object["ok"]?.boolValue == true { return object["result"] ?? .null }
        throw RemoteError(json: object["error"] ?? .null)
    }

    private func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw AdminError(.unavailable, "the daemon closed the admin connection: \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
    }

    private func readLine() throws -> [UInt8] {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw AdminError(
                    .unavailable,
                    n == 0 ? "the daemon closed the admin connection" : "no reply from the daemon: \(String(cString: strerror(errno)))")
            }
            buffer += chunk[0..<n]
        }
    }
}
