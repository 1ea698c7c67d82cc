import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

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
    ///
    /// Decided by address, not by spelling: an IP address must be a loopback one
    /// (127.0.0.0/8, ::1), and a name must resolve to loopback addresses only (a name
    /// such as `127.console.example` is whatever the DNS says it is). A name that does
    /// not resolve is not loopback.
    public var isLoopback: Bool {
        guard case .address(let host, _) = self else { return true }
        if let literal = Self.loopbackLiteral(host) { return literal }
        let addresses = Self.resolve(host)
        return !addresses.isEmpty && addresses.allSatisfy { Self.loopbackLiteral($0) == true }
    }

    /// Whether `text` is an IP address that is loopback (true) or another (false); nil
    /// when it is not an IP address at all.
    public static func loopbackLiteral(_ text: String) -> Bool? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            let bytes = withUnsafeBytes(of: v6) { Array($0) }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
            // An IPv4-mapped address (::ffff:127.0.0.1) is its IPv4 address.
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff { return bytes[12] == 127 }
            return false
        }
        return nil
    }

    /// Whether `text` is an IP address (v4, or v6 with or without brackets).
    public static func isAddressLiteral(_ text: String) -> Bool {
        var host = text
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return loopbackLiteral(host) != nil
    }

    /// Whether `text` is a DNS host name: labels of letters, digits and hyphens, not
    /// starting or ending with a hyphen, at most 253 characters.
    public static func isHostName(_ text: String) -> Bool {
        guard (1...253).contains(text.utf8.count) else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
        }
    }

    /// The addresses `host` resolves to (empty when it does not).
    static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var cursor = list
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }

    public var description: String {
        switch self {
        case .off: "off"
        case .address(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}
