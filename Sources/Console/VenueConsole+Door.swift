import Consent
import Edge
import FacegateCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Vault

/// The live door (staff and admins): the page `/door`, the server-sent event stream
/// `GET /api/v1/events` it listens to, and the alerts a person confirms
/// (`POST /api/v1/alerts/{alert}/confirm`). The stream is opened with `door.alerts`, so
/// the role check, the audit entry and the alerts still open come from the one command;
/// names are looked up here, in the daemon, for roles that may see them, and travel
/// only in the stream's body.
extension VenueConsole {
    /// A comment line every 15 s keeps proxies and browsers from taking a quiet door
    /// for a dead connection (the console's HTTP idle timeout is 30 s).
    static let heartbeat = Duration.seconds(15)
    /// How often a stream checks that its session or token still holds.
    static let streamCheck = Duration.seconds(1)
    /// A write the client has not taken for this long is a stalled client: its
    /// connection is closed rather than held open.
    static let stalledWrite = Duration.seconds(20)

    func addDoor(to router: Router<ConsoleContext>) {
        router.get("/door") { request, context in
            await self.page(request, context, needs: .doorAlerts) { account, session in
                let policy = self.registry.policy
                return self.html(
                    "door",
                    [
                        "camera": self.dispatcher.operations.door != nil,
                        "panel": self.dispatcher.operations.panel != nil,
                        "names": self.dispatcher.operations.seesNames(.console(account)),
                        "timeout": Int(policy.denyList.alertTimeoutSeconds),
                        "deny_list": self.registry.denyList.isEnabled,
                    ], account, session)
            }
        }
    }

    func addDoorAPI(
        _ on: (HTTPRequest.Method, String, @escaping @Sendable (Request, ConsoleContext) async throws -> Response) -> Void
    ) {
        on(.get, "/events") { request, context in await self.events(request, context) }
        on(.get, "/alerts") { request, context in
            await self.api(request, context) { account, _ in try await self.openAlerts(for: account) }
        }
        on(.post, "/alerts/:alert/confirm") { request, context in
            await self.api(request, context) { account, session in
                try self.checkCSRF(session, request, field: nil)
                let alert = context.parameters.get("alert") ?? ""
                guard alert.count == 16, alert.allSatisfy(\.isHexDigit) else {
                    throw ConsoleError(.notFound, "'\(alert.prefix(40))' is not an alert id (16 hex digits)")
                }
                var body = try await self.body(request)
                defer { Self.wipe(&body) }
                let object = (try? JSONParser.parse(Array(body.readableBytesView)))?.objectValue
                guard let decision = object?["decision"]?.stringValue, let reason = object?["reason"]?.stringValue else {
                    throw ConsoleError(
                        .invalidRequest, "the body must be a JSON object: {\"decision\":\"deny\" or \"admit\",\"reason\":\"…\"}")
                }
                return try await self.perform(.doorConfirm(alert: alert, decision: decision, reason: reason), for: account)
            }
        }
    }

    /// The open alerts (`door.alerts`), each with its member's name for roles that may
    /// see it.
    func openAlerts(for account: ConsoleAccount) async throws -> JSONValue {
        let answer = try await perform(.doorAlerts, for: account)
        let names = dispatcher.operations.seesNames(.console(account))
        let alerts = (answer["alerts"]?.arrayValue ?? []).map { alert -> JSONValue in
            guard names, var object = alert.objectValue, let name = displayName(alert["subject"]?.stringValue.flatMap(SubjectID.init))
            else { return alert }
            object["name"] = .string(name)
            return .object(object)
        }
        return ["alerts": .array(alerts)]
    }

    /// A member's display name, decrypted for this answer only; nil for anyone else.
    func displayName(_ subject: SubjectID?) -> String? {
        guard let subject else { return nil }
        return (try? registry.vault.profile(of: subject).displayName).map(DisplayText.neutralised)
    }

    // MARK: The event stream

    /// `GET /api/v1/events`: the door's decisions and alerts as server-sent events,
    /// until the session or token ends, the client goes, or the daemon stops.
    func events(_ request: Request, _ context: ConsoleContext) async -> Response {
        do {
            let (account, session) = try account(request, context)
            let bearer = session == nil ? request.headers[.authorization] : nil
            // `door.alerts`: who may watch the door, audited, and what is still open.
            let open = try await openAlerts(for: account)
            let events: AsyncStream<DoorEvent>
            do {
                events = try doorEvents.subscribe()
            } catch .full {
                throw ConsoleError(
                    .busy,
                    "\(doorEvents.subscriberLimit) door pages are watching already, as many as the console allows; close one and try again")
            } catch .closed {
                throw ConsoleError(.busy, "the daemon is stopping")
            }
            let names = dispatcher.operations.seesNames(.console(account))
            let stillAllowed: @Sendable () -> Bool = { [sessions, registry, self] in
                if let session { return sessions.isLive(session.id) && (try? self.standing(of: session)) != nil }
                let token = String(bearer?.dropFirst(7).trimmingWhiteSpace ?? "")
                return (try? registry.accounts.account(bearer: token)) != nil
            }
            let channel = context.channel
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream; charset=utf-8"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    try await self.stream(
                        events, opening: open["alerts"]?.arrayValue ?? [], names: names, stillAllowed: stillAllowed, channel: channel,
                        to: &writer)
                })
        } catch let error as any UserFacingError {
            return ConsoleResponse.apiError(error)
        } catch {
            logger.error("console request failed", metadata: ["route": "\(context.endpointPath ?? "?")", "error": "\(error)"])
            return ConsoleResponse.apiError(UnexpectedError(error))
        }
    }

    private enum StreamItem: Sendable {
        case event(DoorEvent)
        case tick
    }

    /// When the write in progress began (nil between writes), for the stall watch.
    private final class PendingWrite: Sendable {
        let since = Mutex<ContinuousClock.Instant?>(nil)
    }

    /// Writes the stream: the alerts still open, then each event as it comes, a
    /// heartbeat when the door is quiet. The hub's events are taken as they come into a
    /// buffer of the same small size that drops its oldest, so that a client that does
    /// not read never holds anything up; a write it has not taken for
    /// `stalledWrite`, or one pending when the daemon stops, closes its connection.
    private func stream(
        _ events: AsyncStream<DoorEvent>, opening: [JSONValue], names: Bool, stillAllowed: @escaping @Sendable () -> Bool,
        channel: any Channel, to writer: inout any ResponseBodyWriter
    ) async throws {
        let (items, feed) = AsyncStream.makeStream(of: StreamItem.self, bufferingPolicy: .bufferingNewest(doorEvents.buffer))
        let pendingWrite = PendingWrite()
        let hub = doorEvents
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in events { feed.yield(.event(event)) }
                feed.finish()  // the hub closed: the daemon is stopping
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: Self.streamCheck)
                    // A client that went away frees its place within a second, not at the next write.
                    guard channel.isActive else {
                        feed.finish()
                        return
                    }
                    if let since = pendingWrite.since.withLock({ $0 }), hub.isClosed || since.duration(to: .now) > Self.stalledWrite {
                        channel.close(promise: nil)
                        return
                    }
                    feed.yield(.tick)
                }
            }
            func send(_ text: String) async throws {
                pendingWrite.since.withLock { $0 = .now }
                try await writer.write(ByteBuffer(string: text))
                pendingWrite.since.withLock { $0 = nil }
            }
            // The browser reconnects 3 s after a dropped connection (EventSource).
            var opened = ": facegate door events\nretry: 3000\n\n"
            for alert in opening { opened += Self.openAlertEvent(alert) }
            try await send(opened)
            var lastWrite = ContinuousClock.now
            loop: for await item in items {
                switch item {
                case .event(let event):
                    let name = names ? displayName(event.subject) : nil
                    try await send("event: \(event.name)\ndata: \(event.json(name: name).serialized)\n\n")
                case .tick:
                    // Sign-out, an expired session or a revoked token ends the stream
                    // within a second.
                    guard stillAllowed() else { break loop }
                    guard lastWrite.duration(to: .now) >= Self.heartbeat else { continue }
                    try await send(": heartbeat\n\n")
                }
                lastWrite = .now
            }
            group.cancelAll()
        }
        try await writer.finish(nil)
    }

    /// An alert still open when the stream opened, as an `alert_open` event shaped like
    /// the decision that raised it.
    static func openAlertEvent(_ alert: JSONValue) -> String {
        var object: JSONObject = [
            "ts": alert["raised_at"] ?? .null, "decision": "alert", "track": .null, "subject": alert["subject"] ?? .null,
            "alert": alert["alert"] ?? .null, "alert_expires_at": alert["expires_at"] ?? .null,
        ]
        if let name = alert["name"] { object["name"] = name }
        return "event: alert_open\ndata: \(JSONValue.object(object).serialized)\n\n"
    }
}
