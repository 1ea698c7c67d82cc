import FacegateCore

/// Where the web console listens: `off`, or `HOST:PORT` (an IPv4 address, `[IPv6]`,
/// or `localhost`; port 0 lets the kernel choose one, which the daemon logs). Parsed once, for the policy and `run --console` alike, so that a
/// typing slip is refused at start with the key named.
public enum ConsoleListen: Sendable, Equatable, CustomStringConvertible {
    case off
    case address(host: String, port: Int)

    /// The shipped default: this box only.
    public static let loopbackDefault = ConsoleListen.address(host: "127.0.0.1", port: 8080)

    /// Parses `text`; `nil` when it is neither `off` nor `HOST:PORT` with a port 0–65535.
    public init?(parsing text: String) {
        let trimmed = text.trimmingWhiteSpace
        if trimmed == "off" {
            self = .off
            return
        }
        guard let colon = trimmed.lastIndex(of: ":"), let port = Int(trimmed[trimmed.index(after: colon)...]), (0...65_535).contains(port)
        else { return nil }
        var host = String(trimmed[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.unicodeScalars.allSatisfy({ $0.isASCII && !$0.properties.isWhitespace }) else { return nil }
        self = .address(host: host, port: port)
    }

    /// Whether only this machine can reach it: plain HTTP is allowed there only.
    public var isLoopback: Bool {
        guard case .address(let host, _) = self else { return true }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    public var description: String {
        switch self {
        case .off: "off"
        case .address(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}
