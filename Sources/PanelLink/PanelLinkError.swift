internal import COSDP
public import FacegateCore

/// Why the link to the panel is not working: the device, the key, libosdp.
public struct PanelLinkError: Error, Sendable, Equatable, ModuleError {
    public enum Code: String, Sendable, CaseIterable {
        case device = "osdp_device"
        case key = "osdp_key"
        case setup = "osdp_setup"
        case queueFull = "osdp_queue_full"
        /// No Secure Channel with the panel (down, or keyed differently): nothing is sent.
        case notSecure = "osdp_not_secure"
    }

    public let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    init(error: fg_osdp_error, device: String?) {
        let text = withUnsafeBytes(of: error.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        switch error.code {
        case Int32(FG_OSDP_DEVICE):
            self.init(.device, "the OSDP serial device \(device ?? "") cannot be used: \(text); check [osdp] device and the cable")
        case Int32(FG_OSDP_QUEUE_FULL): self.init(.queueFull, text)
        case Int32(FG_OSDP_NOT_SECURE): self.init(.notSecure, text)
        default: self.init(.setup, text)
        }
    }
}

extension PanelLinkError.Code: ErrorCode {
    public var exitStatus: ExitStatus {
        switch self {
        case .device: .unavailable
        case .key, .setup: .configuration
        case .queueFull, .notSecure: .temporaryFailure
        }
    }
}
