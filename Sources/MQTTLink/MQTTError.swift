public import FacegateCore

/// Why publishing failed: the broker unreachable or refusing, TLS, the protocol.
public struct MQTTError: Error, Sendable, Equatable, ModuleError {
    public enum Code: String, Sendable, CaseIterable {
        case unreachable = "mqtt_unreachable"
        case refused = "mqtt_refused"
        case tls = "mqtt_tls"
        case protocolError = "mqtt_protocol"
        case closed = "mqtt_closed"
    }

    public let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

extension MQTTError.Code: ErrorCode {
    public var exitStatus: ExitStatus {
        switch self {
        case .unreachable, .closed: .unavailable
        case .refused, .tls: .configuration
        case .protocolError: .dataError
        }
    }
}
