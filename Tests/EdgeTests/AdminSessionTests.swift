import Consent
import Edge
import FacegateCore
import FacegateTestSupport
import Logging
import NIOCore
import NIOEmbedded
import Testing
import Vault

/// The admin socket's framing and session, in-process on an `EmbeddedChannel`: what a
/// hostile or sloppy client sends is answered or refused, never a crash.
@Suite("Admin line decoder and session", .perTestLimit)
struct AdminSessionTests {
    /// Feeds `bytes` to a channel with the daemon's line decoder; returns the lines it
    /// produced and whether it refused an over-long line.
    static func lines(_ chunks: [String], maxLength: Int = 64, close: Bool = false) throws -> (lines: [String], tooLong: Bool) {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(BoundedLineDecoder(maxLength: maxLength)))
        var tooLong = false
        do {
            for chunk in chunks { try channel.writeInbound(ByteBuffer(string: chunk)) }
            if close { _ = try channel.finish() }
        } catch is LineTooLong {
            tooLong = true
        }
        var lines: [String] = []
        while let line = try channel.readInbound(as: ByteBuffer.self) { lines.append(String(buffer: line)) }
        if !close { _ = try? channel.finish() }
        return (lines, tooLong)
    }

    @Test("lines split on LF, a CRLF line loses its CR, and a line may arrive in pieces")
    func splitting() throws {
        let result = try Self.lines(["{\"a\":1}\n{\"b\"", ":2}\r\n\n"])
        #expect(result.lines == ["{\"a\":1}", "{\"b\":2}", ""])
        #expect(!result.tooLong)
    }

    @Test("the last line without a newline is still a request when the client closes")
    func lastLine() throws {
        let result = try Self.lines(["{\"a\":1}\n{\"last\":true}"], close: true)
        #expect(result.lines == ["{\"a\":1}", "{\"last\":true}"])
    }

    @Test("a line over the limit is refused as soon as the limit passes, newline or not")
    func overLongLine() throws {
        #expect(try Self.lines([String(repeating: "x", count: 65)]).tooLong)
        #expect(try Self.lines([String(repeating: "x", count: 80) + "\n"]).tooLong)
        let atLimit = try Self.lines([String(repeating: "x", count: 64) + "\n"])
        #expect(!atLimit.tooLong && atLimit.lines.count == 1)
    }

    /// A session over a real registry, as the daemon makes one per connection.
    static func withSession(caller: OSUser? = nil, _ body: (AdminSession, ConsentFixture) async throws -> Void) async throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open(loadGallery: true)
        defer { registry.close() }
        let operations = ApplianceOperations(registry: registry, models: TestResources.models, logger: Logger(label: "test"))
        let session = AdminSession(
            caller: caller ?? OSUser(uid: 0, gid: 0, name: "root"), dispatcher: AdminDispatcher(operations: operations),
            maxUploadBytes: 1 << 20, budget: UploadBudget(limit: 1 << 20), stateDirectory: fixture.stateDirectory)
        defer { session.wipe() }
        try await body(session, fixture)
    }

    static func reply(_ session: AdminSession, _ line: String) async -> JSONValue {
        await session.handle(line: ByteBuffer(string: line))
    }

    @Test("a request with another protocol version is refused, echoing its id")
    func badVersion() async throws {
        try await Self.withSession { session, _ in
            for version in ["2", "\"1\"", "null", "0"] {
                let reply = await Self.reply(session, "{\"v\":\(version),\"id\":\"9\",\"cmd\":\"status\"}")
                #expect(reply["ok"] == .bool(false))
                #expect(reply["id"] == .string("9"))
                #expect(reply["error"]?["code"]?.stringValue == "unsupported_version")
                #expect(reply["error"]?["exit"]?.intValue == Int(ExitStatus.usage.rawValue))
            }
            let missing = await Self.reply(session, "{\"id\":3,\"cmd\":\"status\"}")
            #expect(missing["error"]?["code"]?.stringValue == "unsupported_version")
            #expect(missing["id"] == .int(3))
        }
    }

    @Test("what is not a request gets an error reply with a null id")
    func notARequest() async throws {
        try await Self.withSession { session, _ in
            for line in ["", "not json", "[1,2]", "{\"v\":1,\"id\":[1],\"cmd\":\"status\"}", "{\"v\":1,\"cmd\":\"status\",\"args\":[]}"] {
                let reply = await Self.reply(session, line)
                #expect(reply["ok"] == .bool(false), "\(line)")
                #expect(reply["error"]?["code"]?.stringValue == "invalid_request", "\(line)")
            }
            let unknown = await Self.reply(session, "{\"v\":1,\"id\":\"1\",\"cmd\":\"drop_tables\"}")
            #expect(unknown["error"]?["code"]?.stringValue == "unknown_command")
        }
    }

    @Test("a well-formed request runs the command through the operations and says so")
    func wellFormed() async throws {
        try await Self.withSession { session, fixture in
            let status = await Self.reply(session, "{\"v\":1,\"id\":\"s\",\"cmd\":\"status\"}")
            #expect(status["ok"] == .bool(true))
            #expect(status["result"]?["subjects"]?.intValue == 0)
            let erase = await Self.reply(
                session, "{\"v\":1,\"id\":\"e\",\"cmd\":\"erase\",\"args\":{\"subject\":\"0123456789abcdef0123456789abcdef\"}}")
            #expect(erase["error"]?["code"]?.stringValue == "not_found")
            #expect(erase["error"]?["exit"]?.intValue == Int(ExitStatus.notFound.rawValue))
            _ = fixture
        }
    }

    @Test("a caller outside the admin group may ask the status, nothing else")
    func access() async throws {
        try await Self.withSession(caller: OSUser(uid: 4242, gid: 4242, name: "visitor")) { session, _ in
            let status = await Self.reply(session, "{\"v\":1,\"id\":\"s\",\"cmd\":\"status\"}")
            #expect(status["ok"] == .bool(true))
            let subjects = await Self.reply(session, "{\"v\":1,\"id\":\"n\",\"cmd\":\"subjects\",\"args\":{\"names\":true}}")
            #expect(subjects["error"]?["code"]?.stringValue == "not_permitted")
        }
    }
}
