public import Consent
public import FacegateCore
public import Logging
import MQTTLink
import NIOPosix
public import ServiceLifecycle
import Synchronization

/// The door's live feed for a small venue's own systems (`[mqtt]`, off by default):
/// each decision and each alert that stopped waiting on `facegate/<door>/events`, and
/// the door's health on `facegate/<door>/status`, retained, with a last will saying
/// `offline`. A decision carries a member's pseudonym only with their consent to a
/// record of visits (as the journal does), never a name, an image or a descriptor.
///
/// QoS 0 and nothing kept while the broker is away: the door's record is its own; a
/// feed that queued decisions would deliver a morning's entrances at once, late.
public final class MQTTService: Service, Sendable {
    public let settings: Policy.MQTT
    let password: SecretBytes?
    let doorEvents: DoorEventHub
    let registry: ConsentRegistry
    let health: @Sendable () -> JSONObject
    let logger: Logger
    private let counts = Mutex((published: 0, dropped: 0, connected: false, problem: String?.none))
    /// The connection while the broker is reached.
    private let connection = Mutex<MQTTConnection?>(nil)

    /// How often the status is published again (and the broker pinged).
    static let statusSeconds: Int64 = 30
    /// The longest wait between attempts to reach the broker.
    static let maximumBackoffSeconds: UInt64 = 30

    public init(
        settings: Policy.MQTT, password: SecretBytes?, doorEvents: DoorEventHub, registry: ConsentRegistry,
        health: @escaping @Sendable () -> JSONObject, logger: Logger
    ) {
        self.settings = settings
        self.password = password
        self.doorEvents = doorEvents
        self.registry = registry
        self.health = health
        self.logger = logger
    }

    /// The policy's `[mqtt]` made a service: nil without it; the password from its
    /// credential (an error naming it when the policy names a user and none came).
    public static func configured(
        policy: Policy, doorEvents: DoorEventHub, registry: ConsentRegistry, environment: [String: String],
        health: @escaping @Sendable () -> JSONObject, logger: Logger
    ) throws -> MQTTService? {
        guard let settings = policy.mqtt else { return nil }
        let password: SecretBytes?
        do { password = try SystemdCredential.read(Policy.MQTT.passwordCredential, environment: environment) } catch {
            throw OperationError(.credentialMissing, error.message)
        }
        if settings.user != nil, password == nil {
            throw OperationError(
                .credentialMissing,
                "the policy names the MQTT user '\(settings.user ?? "")' but no password reached facegate; give it as the systemd credential \(Policy.MQTT.passwordCredential) (deploy/facegate.service.d/mqtt.conf)"
            )
        }
        return MQTTService(
            settings: settings, password: password, doorEvents: doorEvents, registry: registry, health: health, logger: logger)
    }

    /// The feed for `status`.
    public var json: JSONObject {
        let counts = counts.withLock { $0 }
        var object: JSONObject = [
            "broker": .string("\(settings.tls ? "mqtts" : "mqtt")://\(settings.host):\(settings.port)"),
            "connected": .bool(counts.connected), "published": .int(counts.published), "dropped": .int(counts.dropped),
            "events_topic": .string(settings.eventsTopic),
        ]
        if let problem = counts.problem { object["problem"] = .string(problem) }
        return object
    }

    public func run() async throws {
        let events: AsyncStream<DoorEvent>
        do { events = try doorEvents.subscribe() } catch {
            logger.error("the MQTT feed cannot watch the door: too many watchers")
            return
        }
        // Runs until this service's own shutdown (the event stream may end before it,
        // when the console closes the door's hub); the goodbye below still goes out.
        try? await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.forward(events) }
                await self.keepConnected()
                group.cancelAll()
            }
        }
        if let open = connection.withLock({ $0 }) {
            try? await open.publish(topic: settings.statusTopic, payload: status(online: false), retain: true)
            await open.disconnect()
        }
    }

    private func keepConnected() async {
        var backoff: UInt64 = 1
        let will = (topic: settings.statusTopic, payload: status(online: false), retain: true)
        let mqtt = MQTTSettings(
            host: settings.host, port: settings.port, tls: settings.tls, trustRoots: settings.caFile, user: settings.user,
            clientID: "facegate-\(settings.door)", keepAliveSeconds: UInt16(Self.statusSeconds * 2), will: will)
        while !Task.isCancelled {
            do {
                let open = try await MQTTConnection.connect(mqtt, password: password, group: MultiThreadedEventLoopGroup.singleton)
                connection.withLock { $0 = open }
                counts.withLock {
                    $0.connected = true
                    $0.problem = nil
                }
                logger.info("connected to the MQTT broker", metadata: ["mqtt.broker": "\(settings.host):\(settings.port)"])
                backoff = 1
                while open.isActive, !Task.isCancelled {
                    try await open.publish(topic: settings.statusTopic, payload: status(online: true), retain: true)
                    try await open.ping()
                    try await Task.sleep(for: .seconds(Self.statusSeconds))
                }
            } catch is CancellationError {
                return
            } catch {
                let message = (error as? MQTTError)?.message ?? "\(error)"
                let first = counts.withLock { counts in
                    defer { counts.problem = message }
                    return counts.problem != message
                }
                if first { logger.error("the MQTT broker cannot be reached", metadata: ["error": "\(message)"]) }
            }
            connection.withLock { $0 = nil }
            counts.withLock { $0.connected = false }
            try? await Task.sleep(for: .seconds(backoff))
            backoff = min(backoff * 2, Self.maximumBackoffSeconds)
        }
    }

    private func forward(_ events: AsyncStream<DoorEvent>) async {
        for await event in events {
            guard let open = connection.withLock({ $0 }), open.isActive else {
                counts.withLock { $0.dropped += 1 }
                continue
            }
            do {
                try await open.publish(topic: settings.eventsTopic, payload: Array(message(event).serialized.utf8))
                counts.withLock { $0.published += 1 }
            } catch {
                counts.withLock { $0.dropped += 1 }
            }
        }
    }

    /// An event as published: the stream's JSON without a name, and a member's
    /// pseudonym only with their consent to a record of visits.
    func message(_ event: DoorEvent) -> JSONValue {
        var object = event.json(name: nil).objectValue ?? [:]
        object["door"] = .string(settings.door)
        object["event"] = .string(event.name)
        if let subject = event.subject, !registry.keepsVisits(of: subject) { object["subject"] = .null }
        return .object(object)
    }

    private func status(online: Bool) -> [UInt8] {
        var object: JSONObject = ["door": .string(settings.door), "state": .string(online ? "online" : "offline")]
        if online {
            object["time"] = .string(Timestamp.iso8601(Timestamp.now()))
            let health = health()
            for key in health.keys { object[key] = health[key] }
        }
        return Array(JSONValue.object(object).serialized.utf8)
    }
}
