public import Consent
public import Edge
import FaceEngine
public import FacegateCore
import HTTPTypes
import Hummingbird
public import Logging
import NIOCore

/// The venue console's routes over the appliance's operations: every page and API
/// call becomes one `AdminCommand` dispatched for a console account
/// (`Caller.console`), so that roles, audit and refusals are those of the CLI and the
/// admin socket. Uploads stay in memory: bodies are collected into a buffer, copied
/// once into `ImageBytes` (wiped when the command is done) and the buffer wiped.
public final class VenueConsole: Sendable {
    let dispatcher: AdminDispatcher
    let sessions: ConsoleSessions
    let throttle: LoginThrottle
    /// Browsers that signed in before (not held by an account's run from elsewhere).
    let devices = KnownDevices()
    let clock: any WallClock
    let settings: Policy.Console
    /// Where it listens (the policy's, or `run --console`'s): the hosts it answers for follow.
    let listen: ConsoleListen
    let tls: Bool
    let pages: ConsolePages
    let logger: Logger
    /// The memory all requests' bodies may hold at once: three of the largest uploads.
    let uploads: UploadBudget
    /// The door's decisions and alerts, for the door pages (nothing is published on it
    /// when no camera runs but alerts expiring).
    let doorEvents: DoorEventHub
    /// What `/metrics` serves: the daemon's registry.
    let metrics: ConsoleMetrics

    public init(
        dispatcher: AdminDispatcher, settings: Policy.Console, listen: ConsoleListen, tls: Bool, clock: any WallClock,
        doorEvents: DoorEventHub = DoorEventHub(),
        metrics: ConsoleMetrics = ConsoleMetrics(), logger: Logger
    ) throws {
        self.dispatcher = dispatcher
        self.doorEvents = doorEvents
        self.metrics = metrics
        self.settings = settings
        self.listen = listen
        self.tls = tls
        self.sessions = ConsoleSessions(
            idleSeconds: settings.sessionIdleMinutes * 60, maxSeconds: settings.sessionHours * 3600, clock: clock)
        self.throttle = LoginThrottle(attempts: settings.loginAttempts, maximumDelaySeconds: settings.lockoutMinutes * 60, clock: clock)
        self.clock = clock
        self.pages = try ConsolePages()
        self.logger = logger
        self.uploads = UploadBudget(limit: 3 * (settings.maxUploadMB << 20))
    }

    var registry: ConsentRegistry { dispatcher.operations.registry }
    var maxBodyBytes: Int { settings.maxUploadMB << 20 }

    /// The router: pages, the API, the assets; security headers on everything.
    func router() -> Router<ConsoleContext> {
        let router = Router(context: ConsoleContext.self)
        router.add(middleware: SecurityHeaders(tls: tls))
        router.add(middleware: HostCheck(listen: listen, settings: settings))
        addSignIn(to: router)
        addPages(to: router)
        addDoor(to: router)
        addDenyList(to: router)
        addStatistics(to: router)
        addMonitoring(to: router)
        router.get("/assets/console.css") { _, _ in ConsoleResponse.text(ConsoleAssets.css, type: "text/css; charset=utf-8") }
        router.get("/assets/console.js") { _, _ in ConsoleResponse.text(ConsoleAssets.script, type: "text/javascript; charset=utf-8") }
        addAPI(to: router)  // last: its 405 middleware must wrap no other route
        return router
    }

    // MARK: Who is asking

    /// The account behind a request: a bearer token (API clients), or a live session
    /// cookie. Nothing else is read, so a request with neither is refused (401).
    func account(_ request: Request, _ context: ConsoleContext) throws -> (ConsoleAccount, ConsoleSession?) {
        if let header = request.headers[.authorization] {
            guard header.lowercased().hasPrefix("bearer ") else {
                throw ConsoleError(.signInRequired, "the Authorization header must be 'Bearer TOKEN' (facegate console token add)")
            }
            let token = String(header.dropFirst(7).trimmingWhiteSpace)
            guard let account = try registry.accounts.account(bearer: token) else {
                throw ConsoleError(.signInRequired, "the bearer token is unknown or revoked; ask an administrator for a new one")
            }
            return (account, nil)
        }
        if let id = request.cookies[Self.sessionCookie]?.value, let session = sessions.session(id) {
            // The account and its role as they are now, not as they were at sign-in: a
            // removed account, a new password or a new role ends the session here.
            guard let standing = try standing(of: session) else {
                throw ConsoleError(
                    .signInRequired, "this account was removed or its password or role changed since you signed in; sign in again")
            }
            return (standing.account, session)
        }
        throw ConsoleError(.signInRequired, "sign in first (the session may have ended), or send a bearer token")
    }

    /// The session's account as it stands now, or nil (and every session of that
    /// account opened before the change ended) when it was removed or its password or
    /// role changed since the session was opened.
    func standing(of session: ConsoleSession) throws -> ConsoleAccountStanding? {
        let standing = try registry.accounts.standing(of: session.accountName)
        guard let standing, standing.stamp == session.stamp else {
            sessions.close(account: session.accountName, unlessStamp: standing?.stamp)
            return nil
        }
        return standing
    }

    /// A state-changing request made with a session must carry the session's CSRF token
    /// (the `X-CSRF-Token` header, or the form's `csrf` field). Token requests need none:
    /// a browser never sends a bearer token by itself.
    func checkCSRF(_ session: ConsoleSession?, _ request: Request, field: String?) throws {
        guard let session else { return }
        let sent = request.headers[.init("X-CSRF-Token")!] ?? field ?? ""
        guard Self.constantTimeEqual(sent, session.csrf) else {
            throw ConsoleError(.csrfInvalid, "the form is out of date or did not come from this console; reload the page and try again")
        }
    }

    static let sessionCookie = "fg_session"

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    // MARK: Operations

    /// Runs one command for a console account, with the photos that came with it.
    func perform(_ command: AdminCommand, images: [ImageSource] = [], for account: ConsoleAccount) async throws -> JSONValue {
        try await dispatcher.dispatch(AdminRequest(command, images: images), caller: .console(account))
    }

    // MARK: Bodies

    /// Runs `work` with the memory the request's body may take reserved: a body
    /// declared larger than `max_upload_mb` is refused before a byte is read, and when
    /// the bodies in flight would pass the budget the request is refused (503) rather
    /// than the daemon grown.
    func reserving<T>(_ request: Request, _ work: () async throws -> T) async throws -> T {
        guard request.method != .get, request.method != .head else { return try await work() }
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > maxBodyBytes {
            throw ConsoleError(.tooLarge, "the upload is larger than \(settings.maxUploadMB) MB (console.max_upload_mb)")
        }
        let bytes = declared ?? maxBodyBytes
        guard uploads.reserve(bytes) else {
            throw ConsoleError(.busy, "the console is receiving as many uploads as it may at once; send this one again shortly")
        }
        defer { uploads.release(bytes) }
        return try await work()
    }

    /// The request's body, at most `console.max_upload_mb`, in one buffer.
    func body(_ request: Request) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw ConsoleError(.tooLarge, "the upload is larger than \(settings.maxUploadMB) MB (console.max_upload_mb)")
        }
    }

    /// The photos in a body: a multipart form's files under `field`, or the body itself
    /// when it is `image/jpeg` or `image/png`. The body buffer is wiped before this returns.
    func photos(
        _ request: Request, field: String, _ body: inout ByteBuffer
    ) throws -> (images: [ImageSource], form: MultipartForm?) {
        defer { Self.wipe(&body) }
        let type = request.headers[.contentType] ?? ""
        let media = type.split(separator: ";").first.map { $0.trimmingWhiteSpace.lowercased() } ?? ""
        if media == "image/jpeg" || media == "image/png" {
            guard body.readableBytes > 0 else { throw ConsoleError(.invalidRequest, "the request has no image in its body") }
            let bytes = body.readBytes(length: body.readableBytes) ?? []
            return ([.bytes(name: "upload", ImageBytes(bytes))], nil)
        }
        guard let boundary = MultipartForm.boundary(of: type) else {
            throw ConsoleError(
                .invalidRequest, "send the photo as image/jpeg or image/png, or as multipart/form-data with the field '\(field)'")
        }
        var form = try body.withUnsafeReadableBytes { raw throws(ConsoleError) in try MultipartForm(raw, boundary: boundary) }
        var images: [ImageSource] = []
        for index in form.parts.indices where form.parts[index].name == field && form.parts[index].filename != nil {
            guard !form.parts[index].bytes.isEmpty else { continue }
            let name = "photo \(images.count + 1)"  // never the file's own name: it may be a person's
            images.append(.bytes(name: name, ImageBytes(form.parts[index].bytes)))
            form.parts[index].bytes = []
        }
        return (images, form)
    }

    /// Overwrites a request body's bytes in place (uploads never outlive their use).
    static func wipe(_ buffer: inout ByteBuffer) {
        buffer.moveReaderIndex(to: 0)
        buffer.withUnsafeMutableReadableBytes { wipeMemory($0.baseAddress, $0.count) }
        buffer.clear()
    }
}
