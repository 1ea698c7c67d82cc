/// Where the fleet's hub listens, as a libpq-style URL:
/// `postgresql://USER@HOST[:PORT]/DATABASE` over TCP (TLS required unless
/// `?sslmode=disable`), or `postgresql://USER@/DATABASE?host=/run/postgresql` over
/// the Unix socket in that directory. Never with a password in it: the password, if
/// the hub wants one, is the systemd credential `facegate-hub-password`.
public struct HubAddress: Sendable, Equatable, CustomStringConvertible {
    public enum Endpoint: Sendable, Equatable {
        case socket(path: String)
        case tcp(host: String, port: Int, tls: Bool)
    }

    public static let passwordCredential = "facegate-hub-password"
    public static let defaultPort = 5432

    public let endpoint: Endpoint
    public let user: String
    public let database: String
    /// The address as given (it holds no password), kept for `fleet.json`.
    public let url: String

    public init(parsing text: String) throws(FleetError) {
        let usage = "a hub address is postgresql://USER@HOST[:PORT]/DATABASE or postgresql://USER@/DATABASE?host=/SOCKET/DIRECTORY"
        var rest: Substring
        if text.hasPrefix("postgresql://") {
            rest = text.dropFirst("postgresql://".count)
        } else if text.hasPrefix("postgres://") {
            rest = text.dropFirst("postgres://".count)
        } else {
            throw FleetError(.invalidAddress, usage)
        }
        guard !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw FleetError(.invalidAddress, "the hub address contains a space or a control character; \(usage)")
        }
        var query: [String: String] = [:]
        if let mark = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw FleetError(.invalidAddress, "the hub address's query part '\(pair)' is not KEY=VALUE") }
                query[String(parts[0])] = String(parts[1])
            }
            rest = rest[..<mark]
        }
        guard query["password"] == nil else {
            throw FleetError(
                .invalidAddress,
                "the hub address carries a password, which `ps`, the logs and the shell history would show; remove it and put it in the systemd credential \(Self.passwordCredential)"
            )
        }
        for key in query.keys where key != "host" && key != "sslmode" {
            throw FleetError(.invalidAddress, "the hub address's parameter '\(key)' is not supported (host and sslmode are)")
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let database = slash < rest.endIndex ? String(rest[rest.index(after: slash)...]) : ""
        guard let at = authority.firstIndex(of: "@") else {
            throw FleetError(.invalidAddress, "the hub address names no user; \(usage)")
        }
        let userPart = authority[..<at]
        guard !userPart.contains(":") else {
            throw FleetError(
                .invalidAddress,
                "the hub address carries a password, which `ps`, the logs and the shell history would show; remove it and put it in the systemd credential \(Self.passwordCredential)"
            )
        }
        let hostPart = authority[authority.index(after: at)...]
        guard !userPart.isEmpty, !database.isEmpty, !database.contains("/") else {
            throw FleetError(.invalidAddress, usage)
        }
        if let directory = query["host"] {
            guard hostPart.isEmpty, directory.hasPrefix("/") else {
                throw FleetError(
                    .invalidAddress, "host=… names the hub's socket directory (an absolute path) and then the address has no host; \(usage)"
                )
            }
            endpoint = .socket(path: directory + "/.s.PGSQL.\(Self.defaultPort)")
        } else {
            guard !hostPart.isEmpty else { throw FleetError(.invalidAddress, usage) }
            var host = Substring(hostPart)
            var port = Self.defaultPort
            if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") {
                guard let number = Int(host[host.index(after: colon)...]), (1...65_535).contains(number) else {
                    throw FleetError(.invalidAddress, "the hub address's port is not a number from 1 to 65535")
                }
                port = number
                host = host[..<colon]
            }
            if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
            let sslmode = query["sslmode"] ?? "require"
            guard sslmode == "require" || sslmode == "disable" else {
                throw FleetError(.invalidAddress, "sslmode is 'require' (the default) or 'disable' (a hub on a closed network)")
            }
            endpoint = .tcp(host: String(host), port: port, tls: sslmode == "require")
        }
        user = String(userPart)
        self.database = database
        url = text
    }

    /// What logs, errors and `fleet status` show.
    public var description: String {
        switch endpoint {
        case .socket(let path): "postgresql://\(user)@/\(database) (socket \(path))"
        case .tcp(let host, let port, _): "postgresql://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
        }
    }

    /// The same address with another user (a door's own role).
    public func replacingUser(with user: String) -> String {
        guard let scheme = url.firstRange(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + user + String(url[at...])
    }
}
