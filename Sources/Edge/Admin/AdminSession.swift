import FaceEngine
package import FacegateCore
import FoundationEssentials
package import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One admin connection: parses each line as a versioned request, keeps the images
/// uploaded on this connection (in memory only, wiped when used or when the
/// connection ends), and dispatches.
package final class AdminSession: Sendable {
    let caller: OSUser
    let dispatcher: AdminDispatcher
    let maxUploadBytes: Int
    let budget: UploadBudget
    /// Uploads in progress, as the chunks that came (no growing buffer that copies
    /// itself at each doubling: what is held is what was sent).
    private let uploads = Mutex<[String: Upload]>([:])

    struct Upload {
        var name: String
        var chunks: [[UInt8]] = []
        var count = 0

        /// The bytes in one buffer, the chunks wiped.
        mutating func take() -> [UInt8] {
            var bytes = [UInt8]()
            bytes.reserveCapacity(count)
            for index in chunks.indices {
                bytes += chunks[index]
                chunks[index].withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) }
            }
            chunks.removeAll()
            return bytes
        }

        mutating func wipe() {
            for index in chunks.indices { chunks[index].withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
            chunks.removeAll()
        }
    }

    /// The state directory the daemon serves.
    let stateDirectory: String
    /// Where every answered request is audited (per client and minute).
    let requests: AdminRequestLog?

    package init(
        caller: OSUser, dispatcher: AdminDispatcher, maxUploadBytes: Int, budget: UploadBudget, stateDirectory: String,
        requests: AdminRequestLog? = nil
    ) {
        self.caller = caller
        self.stateDirectory = stateDirectory
        self.requests = requests
        self.dispatcher = dispatcher
        self.maxUploadBytes = maxUploadBytes
        self.budget = budget
    }

    /// The reply to one request line; the request and its outcome go to the request
    /// log (a command by its name, anything else as `malformed` or `unknown`: no text a
    /// client chose reaches the audit log).
    package func handle(line: ByteBuffer) async -> JSONValue {
        let (reply, request) = await answer(line)
        let outcome = reply["ok"]?.boolValue == true ? "ok" : (reply["error"]?["code"]?.stringValue ?? "error")
        requests?.record(caller, request: request, outcome: outcome)
        return reply
    }

    /// The reply, and the name the request is logged under.
    private func answer(_ line: ByteBuffer) async -> (JSONValue, String) {
        var command: String?
        let reply = await reply(to: line, naming: &command)
        guard let command else { return (reply, "malformed") }
        if command == "upload" { return (reply, command) }
        return (reply, AdminCommand.Name(wire: command)?.rawValue ?? "unknown")
    }

    /// The reply; `named` is set to the command the line names, once it names one.
    private func reply(to line: ByteBuffer, naming named: inout String?) async -> JSONValue {
        let bytes = Array(line.readableBytesView)
        let request: JSONObject
        do {
            guard let object = try JSONParser.parse(bytes).objectValue else {
                return Self.errorReply(
                    id: .null, AdminError(.invalidRequest, "a request is a JSON object: {\"v\":1,\"id\":\"…\",\"cmd\":\"…\",\"args\":{…}}"))
            }
            request = object
        } catch {
            return Self.errorReply(id: .null, AdminError(.invalidRequest, "the request is not valid JSON (\(error))"))
        }
        let id = request["id"] ?? .null
        switch id {
        case .string, .int, .null: break
        default: return Self.errorReply(id: .null, AdminError(.invalidRequest, "'id' must be a string or a number"))
        }
        guard request["v"]?.intValue == AdminRequest.protocolVersion else {
            return Self.errorReply(
                id: id, AdminError(.unsupportedVersion, "this daemon speaks protocol version \(AdminRequest.protocolVersion); send \"v\":1")
            )
        }
        if let meant = request["state_dir"]?.stringValue, !StatePath.same(meant, stateDirectory) {
            return Self.errorReply(
                id: id,
                AdminError(
                    .otherStateDirectory,
                    "the daemon on this socket serves the state directory '\(stateDirectory)', not '\(meant)'; reach that one's daemon with --socket (or stop it), nothing was done"
                ))
        }
        guard let command = request["cmd"]?.stringValue, !command.isEmpty, command.utf8.count <= 64 else {
            return Self.errorReply(id: id, AdminError(.invalidRequest, "'cmd' must name a command"))
        }
        named = command
        let arguments: JSONObject
        switch request["args"] {
        case nil, .null?: arguments = [:]
        case .object(let object)?: arguments = object
        default: return Self.errorReply(id: id, AdminError(.invalidRequest, "'args' must be an object"))
        }
        do {
            if command == "upload" { return Self.okReply(id: id, try upload(arguments)) }
            let images = try takeImages(arguments)
            // The uploads' memory goes back to the budget once the command is done.
            defer { budget.release(images.reduce(0) { $0 + $1.byteCount }) }
            let result = try await dispatcher.dispatch(wire: command, arguments: arguments, images: images, caller: .user(caller))
            return Self.okReply(id: id, result)
        } catch let error as any UserFacingError {
            return Self.errorReply(id: id, error)
        } catch {
            return Self.errorReply(id: id, UnexpectedError(error))
        }
    }

    /// `upload`: `{"upload":"ID"?,"name":"photo.jpg","data":"BASE64"}` appends a chunk.
    private func upload(_ arguments: JSONObject) throws -> JSONValue {
        guard let data = arguments["data"]?.stringValue, let chunk = Data(base64Encoded: data) else {
            throw AdminError(
                .invalidRequest,
                "'upload' needs 'data': base64 bytes of the image (at most 36 KiB of image, 48 KiB of base64 text, per chunk)")
        }
        let name = arguments["name"]?.stringValue ?? "upload"
        return try uploads.withLock { uploads in
            let id = arguments["upload"]?.stringValue ?? RandomToken.hex(6)
            var entry = uploads[id] ?? Upload(name: name)
            let total = uploads.values.reduce(0) { $0 + $1.count } + chunk.count
            guard total <= maxUploadBytes else {
                throw AdminError(.tooLarge, "uploads on one connection may total at most \(maxUploadBytes >> 20) MiB")
            }
            guard budget.reserve(chunk.count) else {
                // This upload is dropped (its memory goes back), so the others can finish.
                if var dropped = uploads.removeValue(forKey: id) {
                    dropped.wipe()
                    budget.release(dropped.count)
                }
                throw AdminError(
                    .busy,
                    "the daemon holds as many uploads as it may (\(budget.limit >> 20) MiB in all); this upload was dropped: send it again shortly"
                )
            }
            entry.chunks.append([UInt8](chunk))
            entry.count += chunk.count
            uploads[id] = entry
            return ["upload": .string(id), "bytes": .int(entry.count)]
        }
    }

    /// Images named by a command: uploads, consumed (all of them or none: a request
    /// naming one unknown upload leaves the others where they were, counted and
    /// wiped with the connection).
    private func takeImages(_ arguments: JSONObject) throws -> [ImageSource] {
        if arguments["images"] != nil {
            // A client-named path could be a FIFO, a device or someone else's file.
            throw AdminError(
                .invalidRequest, "the daemon never opens a file a client names: send images with the upload command (the CLI does)")
        }
        guard let ids = arguments["uploads"]?.arrayValue else { return [] }
        let names = try ids.map { value -> String in
            guard let id = value.stringValue else { throw AdminError(.invalidRequest, "'uploads' must list upload ids") }
            return id
        }
        guard Set(names).count == names.count else { throw AdminError(.invalidRequest, "'uploads' names an upload twice") }
        return try uploads.withLock { uploads in
            for id in names where uploads[id] == nil {
                throw AdminError(.invalidRequest, "no upload '\(id)' on this connection")
            }
            return names.map { id in
                var upload = uploads.removeValue(forKey: id)!
                return ImageSource.bytes(name: upload.name, ImageBytes(upload.take()))
            }
        }
    }

    package func wipe() {
        let held = uploads.withLock { uploads -> Int in
            let held = uploads.values.reduce(0) { $0 + $1.count }
            for key in uploads.keys { uploads[key]!.wipe() }
            uploads.removeAll()
            return held
        }
        budget.release(held)
    }

    static func okReply(id: JSONValue, _ result: JSONValue) -> JSONValue {
        ["v": .int(AdminRequest.protocolVersion), "id": id, "ok": true, "result": result]
    }

    static func errorReply(id: JSONValue, _ error: any UserFacingError) -> JSONValue {
        ["v": .int(AdminRequest.protocolVersion), "id": id, "ok": false, "error": error.json]
    }
}
