public import Consent
public import FacegateCore
public import Logging
import PanelLink
public import ServiceLifecycle
import Synchronization
public import Vault

#if canImport(Glibc)
    import Glibc
#endif

/// The door as a reader of the venue's access panel (`[osdp]`): for each member the
/// door lets in (a `member` decision, a member's card-only entry) it sends the
/// member's panel credential as a card read, and the panel decides with its own
/// rules. `unknown` and alerts send nothing: people decide those.
///
/// One thread drives libosdp (the panel waits 200 ms for a reply, whatever the
/// recognition threads are doing); a device that is missing or goes away is opened
/// again every few seconds, and `status` says the link is down meanwhile. A card read
/// is sent only over an established Secure Channel and never later than the moment it
/// was decided: one kept for a link that comes back would open the door for whoever
/// stands there then.
public final class PanelLinkService: Service, Sendable {
    public let settings: Policy.OSDP
    let key: SecretBytes
    let registry: ConsentRegistry
    let logger: Logger
    private let state = Mutex(State())

    /// How long after a failed open the device is tried again.
    static let reopenSeconds = 3.0
    /// Members waiting to be sent: more than this at once is not a door.
    static let pendingLimit = 16

    struct State {
        var reader: OSDPReader?
        var pending: [SubjectID] = []
        /// Why the link is down, when the device could not be opened.
        var problem: String?
        var stopped = false
        /// Members let in whose credential was not sent (link down, no credential).
        var notSent = 0
        var lastStatus: PanelLinkStatus?
        /// Since when the panel polls without a Secure Channel (a handshake takes a moment;
        /// longer is a key the panel does not share).
        var unsecuredSince: Double?
    }

    /// How long polls without a Secure Channel are a handshake, not a wrong key.
    static let handshakeSeconds = 10.0

    public init(settings: Policy.OSDP, key: SecretBytes, registry: ConsentRegistry, logger: Logger) {
        self.settings = settings
        self.key = key
        self.registry = registry
        self.logger = logger
    }

    /// The policy's `[osdp]` made a service: nil without it; the key loaded (an error
    /// naming the file or credential when missing or malformed).
    public static func configured(
        policy: Policy, registry: ConsentRegistry, environment: [String: String], logger: Logger
    ) throws -> PanelLinkService? {
        guard let settings = policy.osdp else { return nil }
        let key = try registry.location.keys.loadOSDPKey(environment: environment)
        return PanelLinkService(settings: settings, key: key, registry: registry, logger: logger)
    }

    /// A member the door let in: their credential goes to the panel's next poll.
    public func report(_ event: PipelineEvent) {
        guard event.decision.kind.opensDoor, let subject = event.decision.subject else { return }
        state.withLock { state in
            if state.pending.count < Self.pendingLimit { state.pending.append(subject) } else { state.notSent += 1 }
        }
    }

    public func run() async throws {
        await SerialLineThread.run(name: "fg-osdp", drive: { [self] in drive() }, stop: { [self] in stop() })
    }

    func stop() { state.withLock { $0.stopped = true } }

    /// The link for `status`, the console and `/metrics`.
    public var json: JSONObject {
        let (status, problem, notSent, unsecuredSince) = state.withLock { ($0.lastStatus, $0.problem, $0.notSent, $0.unsecuredSince) }
        var object = status?.json ?? ["link": "down"]
        object["device"] = .string(settings.device)
        object["address"] = .int(settings.address)
        object["format"] = .string(settings.format.rawValue)
        if let problem { object["problem"] = .string(problem) }
        if let unsecuredSince, Timestamp.now() - unsecuredSince > Self.handshakeSeconds {
            object["problem"] = "the panel polls but no Secure Channel is up: the key in keys/osdp-scbk is not the panel's"
        }
        object["not_sent"] = .int(notSent)
        return object
    }

    var linkStatus: PanelLinkStatus? { state.withLock { $0.lastStatus } }

    private func drive() {
        var nextOpen = 0.0
        var reported: String?
        while true {
            let (stopped, reader) = state.withLock { ($0.stopped, $0.reader) }
            if stopped { break }
            guard let reader else {
                if Timestamp.now() >= nextOpen {
                    nextOpen = Timestamp.now() + Self.reopenSeconds
                    do {
                        let opened = try OSDPReader(
                            device: settings.device, baud: settings.baud, address: settings.address, key: key, serialNumber: 0)
                        state.withLock {
                            $0.reader = opened
                            $0.problem = nil
                            $0.lastStatus = nil
                        }
                        logger.info("the panel link's device is open", metadata: ["osdp.address": "\(settings.address)"])
                        reported = nil
                    } catch {
                        state.withLock { $0.problem = error.message }
                        if reported != error.message {
                            logger.error("the panel link's device cannot be opened", metadata: ["error": "\(error.message)"])
                            reported = error.message
                        }
                    }
                }
                dropPending(reason: "the panel link's device is not open")
                usleep(20_000)
                continue
            }
            reader.refresh()
            let status = reader.status
            let pending = state.withLock { state in
                state.lastStatus = status
                if status.polled && !status.secure {
                    state.unsecuredSince = state.unsecuredSince ?? Timestamp.now()
                } else {
                    state.unsecuredSince = nil
                }
                defer { state.pending.removeAll() }
                return state.pending
            }
            for subject in pending { send(subject, through: reader) }
            if status.deviceFailed {
                logger.error("the panel link's device failed; opening it again")
                state.withLock {
                    $0.reader = nil
                    $0.lastStatus = nil
                    $0.unsecuredSince = nil
                    $0.problem = "the serial device failed (unplugged, or the line hung up); opening it again"
                }
                nextOpen = Timestamp.now() + Self.reopenSeconds
            }
            usleep(5_000)
        }
        state.withLock { $0.reader = nil }
    }

    private func send(_ subject: SubjectID, through reader: OSDPReader) {
        do {
            let issuing = try registry.policy.panelCredentialFormat()
            let credential = try registry.panelCredentials.credential(
                of: subject, issuing: issuing.format, facility: issuing.facility, actor: "door")
            try reader.submitCard(bits: credential.bits)
        } catch {
            state.withLock { $0.notSent += 1 }
            // No subject, no number: the reason only.
            logger.warning("a member's credential was not sent to the panel", metadata: ["error": "\(Self.reason(error))"])
        }
    }

    private func dropPending(reason: String) {
        let dropped = state.withLock { state in
            defer { state.pending.removeAll() }
            state.notSent += state.pending.count
            return state.pending.count
        }
        if dropped > 0 {
            logger.warning("members let in were not sent to the panel", metadata: ["osdp.not_sent": "\(dropped)", "error": "\(reason)"])
        }
    }

    private static func reason(_ error: any Error) -> String {
        (error as? any UserFacingError)?.errorCode ?? "error"
    }
}
