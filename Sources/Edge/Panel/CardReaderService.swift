public import Consent
public import FacegateCore
public import Logging
import PanelLink
public import ServiceLifecycle
import Synchronization
import Vault

#if canImport(Glibc)
    import Glibc
#endif

/// The card reader beside the door (`[osdp.reader]`), polled as its OSDP control
/// panel: a card presented there is a claim (`trigger = "claim"`), exactly as
/// `facegate door claim --card` from a reader's integration. A card read's number is the
/// frame's facility and number (`42:1234`) for a 26-bit card, with the length before
/// them for the 34- and 37-bit formats (`37:42:1234`), else its bits as hex with their
/// count (`raw:40:0123456789`): the string `card set` links. The number is never logged.
public final class CardReaderService: Service, Sendable {
    public let settings: Policy.OSDPCardReader
    let key: SecretBytes
    let operations: ApplianceOperations
    let logger: Logger
    private let state = Mutex(State())

    struct State {
        var stopped = false
        var problem: String?
        var status: CardReaderStatus?
        var claims = 0
        var refused = 0
    }

    public init(settings: Policy.OSDPCardReader, key: SecretBytes, operations: ApplianceOperations, logger: Logger) {
        self.settings = settings
        self.key = key
        self.operations = operations
        self.logger = logger
    }

    /// The policy's `[osdp.reader]` made a service: nil without it.
    public static func configured(
        policy: Policy, operations: ApplianceOperations, environment: [String: String], logger: Logger
    ) throws -> CardReaderService? {
        guard let settings = policy.osdpReader else { return nil }
        let key = try operations.registry.location.keys.loadOSDPKey(environment: environment, reader: true)
        return CardReaderService(settings: settings, key: key, operations: operations, logger: logger)
    }

    /// The card number a read stands for (see the type's comment).
    public static func cardNumber(_ bits: [Bool]) -> String {
        if let frame = WiegandFormat.decode(bits) {
            // 26 bits, the common badge, as printed on it; longer formats say their
            // length, so that a 26-bit clone never reads as a 37-bit card.
            let number = "\(frame.facility):\(frame.number)"
            return frame.format == .wiegand26 ? number : "\(frame.format.bitCount):" + number
        }
        var bytes = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
        for (index, bit) in bits.enumerated() where bit { bytes[index / 8] |= 0x80 >> UInt8(index % 8) }
        return "raw:\(bits.count):\(Hex.encode(bytes))"
    }

    public func run() async throws {
        await SerialLineThread.run(name: "fg-osdp-cp", drive: { [self] in drive() }, stop: { [self] in stop() })
    }

    func stop() { state.withLock { $0.stopped = true } }

    /// The reader for `status`.
    public var json: JSONObject {
        let (status, problem, claims, refused) = state.withLock { ($0.status, $0.problem, $0.claims, $0.refused) }
        var object: JSONObject = [
            "device": .string(settings.device), "address": .int(settings.address),
            "link": .string(status?.isUp == true ? "up" : "down"), "polled": .bool(status?.online ?? false),
            "secure_channel": .bool(status?.secure ?? false), "cards_read": .int(Int(status?.cardsRead ?? 0)),
            "claims": .int(claims), "refused": .int(refused),
        ]
        if let problem { object["problem"] = .string(problem) }
        return object
    }

    private func drive() {
        var reader: OSDPCardReader?
        var nextOpen = 0.0
        var reported: String?
        while !state.withLock({ $0.stopped }) {
            guard let open = reader else {
                if Timestamp.now() >= nextOpen {
                    nextOpen = Timestamp.now() + PanelLinkService.reopenSeconds
                    do {
                        reader = try OSDPCardReader(device: settings.device, baud: settings.baud, address: settings.address, key: key)
                        state.withLock { $0.problem = nil }
                        reported = nil
                    } catch {
                        state.withLock { $0.problem = error.message }
                        if reported != error.message {
                            logger.error("the card reader's device cannot be opened", metadata: ["error": "\(error.message)"])
                            reported = error.message
                        }
                    }
                }
                usleep(20_000)
                continue
            }
            open.refresh()
            let status = open.status
            state.withLock { $0.status = status }
            while let bits = open.take() { claim(Self.cardNumber(bits)) }
            if status.deviceFailed {
                logger.error("the card reader's device failed; opening it again")
                reader = nil
                state.withLock {
                    $0.status = nil
                    $0.problem = "the serial device failed (unplugged, or the line hung up); opening it again"
                }
                nextOpen = Timestamp.now() + PanelLinkService.reopenSeconds
            }
            usleep(10_000)
        }
    }

    /// The claim, as the door's own caller (the service's user); an unknown card or a
    /// door not claiming is counted and logged by its code only.
    private func claim(_ card: String) {
        do {
            _ = try operations.perform(.doorClaim(card: card), images: [], caller: .user(OSUser.current()))
            state.withLock { $0.claims += 1 }
        } catch {
            state.withLock { $0.refused += 1 }
            logger.warning(
                "a card presented at the reader was refused",
                metadata: ["error": "\((error as? any UserFacingError)?.errorCode ?? "error")"])
        }
    }
}
