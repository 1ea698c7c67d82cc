internal import COSDP
public import FacegateCore

/// The door as an OSDP reader (a peripheral device) on the venue panel's serial bus:
/// it answers the panel's polls over a Secure Channel only, reports card reads and
/// keeps count of the panel's LED and buzzer commands. libosdp does the protocol;
/// the caller drives it with `refresh()` every few milliseconds from one thread and
/// may submit card reads from any other.
public final class OSDPReader: @unchecked Sendable {
    // One C mutex inside guards the context: refresh and submit may run at once.
    private let handle: OpaquePointer

    /// Opens `device` (raw, 8N1 at `baud`) as the reader at `address`, keyed with the
    /// 16 bytes of `key` (the Secure Channel base key the panel holds).
    public init(device: String, baud: Int, address: Int, key: SecretBytes, serialNumber: UInt32) throws(PanelLinkError) {
        var error = fg_osdp_error()
        guard key.count == 16 else { throw PanelLinkError(.key, "the OSDP key must be 16 bytes (32 hex digits)") }
        let opened = key.withBytes { bytes in
            fg_osdp_reader_open(device, Int32(baud), Int32(address), bytes, serialNumber, &error)
        }
        guard let opened else { throw PanelLinkError(error: error, device: device) }
        handle = opened
    }

    /// The reader in install mode (`facegate osdp install`): the panel opens a Secure
    /// Channel with the published install key and sets this reader's key, once.
    public init(installingOn device: String, baud: Int, address: Int, serialNumber: UInt32) throws(PanelLinkError) {
        var error = fg_osdp_error()
        guard let opened = fg_osdp_reader_open_install(device, Int32(baud), Int32(address), serialNumber, &error) else {
            throw PanelLinkError(error: error, device: device)
        }
        handle = opened
    }

    deinit { fg_osdp_reader_close(handle) }

    /// The key the panel set in install mode, once; nil until it has.
    public func takeKey() -> SecretBytes? {
        var key = [UInt8](repeating: 0, count: 16)
        defer { key.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
        guard fg_osdp_reader_take_key(handle, &key) else { return nil }
        return SecretBytes(key)
    }

    /// Answers what the panel sent since the last call.
    public func refresh() { fg_osdp_reader_refresh(handle) }

    /// Queues a card read of `bits` (first bit first, raw Wiegand) for the panel's next poll.
    public func submitCard(bits: [Bool]) throws(PanelLinkError) {
        var packed = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
        for (index, bit) in bits.enumerated() where bit { packed[index / 8] |= 0x80 >> UInt8(index % 8) }
        var error = fg_osdp_error()
        let code = fg_osdp_reader_submit_card(handle, packed, Int32(bits.count), &error)
        guard code == 0 else { throw PanelLinkError(error: error, device: nil) }
    }

    public var status: PanelLinkStatus {
        var raw = fg_osdp_status()
        fg_osdp_reader_status(handle, &raw)
        return PanelLinkStatus(raw)
    }

    /// libosdp's version, for `doctor` and `status`.
    public static var libraryVersion: String { String(cString: fg_osdp_version()) }
}
