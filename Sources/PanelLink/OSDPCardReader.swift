internal import COSDP
public import FacegateCore

/// A card reader facegate polls as its OSDP control panel: the reader beside the door
/// where a member presents a card to claim their identity (`trigger = "claim"`).
/// Secure Channel only. Drive it with `refresh()` from one thread; take card reads
/// from any.
public final class OSDPCardReader: @unchecked Sendable {
    // One C mutex inside guards the context.
    private let handle: OpaquePointer

    public init(device: String, baud: Int, address: Int, key: SecretBytes) throws(PanelLinkError) {
        guard key.count == 16 else { throw PanelLinkError(.key, "the card reader's OSDP key must be 16 bytes (32 hex digits)") }
        var error = fg_osdp_error()
        let opened = key.withBytes { bytes in fg_osdp_card_reader_open(device, Int32(baud), Int32(address), bytes, &error) }
        guard let opened else { throw PanelLinkError(error: error, device: device) }
        handle = opened
    }

    deinit { fg_osdp_card_reader_close(handle) }

    public func refresh() { fg_osdp_card_reader_refresh(handle) }

    /// The oldest card read waiting, first bit first; nil when none waits.
    public func take() -> [Bool]? {
        var bytes = [UInt8](repeating: 0, count: Int(FG_OSDP_CARD_BYTES))
        defer { bytes.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
        var count: Int32 = 0
        guard fg_osdp_card_reader_take(handle, &bytes, &count) else { return nil }
        return (0..<Int(count)).map { bytes[$0 / 8] & (0x80 >> UInt8($0 % 8)) != 0 }
    }

    public var status: CardReaderStatus {
        var raw = fg_osdp_card_reader_state()
        fg_osdp_card_reader_status(handle, &raw)
        return CardReaderStatus(
            online: raw.online, secure: raw.secure, cardsRead: raw.cards_read, cardsDropped: raw.cards_dropped,
            deviceFailed: raw.device_failed)
    }
}

/// What facegate knows of its card reader.
public struct CardReaderStatus: Sendable, Equatable {
    public var online: Bool
    public var secure: Bool
    public var cardsRead: UInt64
    public var cardsDropped: UInt64
    public var deviceFailed: Bool

    public var isUp: Bool { online && secure }
}
