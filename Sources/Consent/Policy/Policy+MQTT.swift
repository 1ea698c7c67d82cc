import FacegateCore

extension Policy {
    /// `[mqtt]` (off without it): the door's decisions and alerts, and its health, for a
    /// small venue's own systems, published to a broker. Pseudonyms only (and only for
    /// members who consented to a record of visits), never a name, an image or a
    /// descriptor. Its password is never in the policy: the systemd credential
    /// `facegate-mqtt-password`.
    public struct MQTT: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var tls: Bool
        /// The door's name in the topics: `facegate/<door>/events`, `facegate/<door>/status`.
        public var door: String
        public var user: String?
        /// PEM certificates to trust for the broker instead of the system's.
        public var caFile: String?

        public var eventsTopic: String { "facegate/\(door)/events" }
        public var statusTopic: String { "facegate/\(door)/status" }
        public static let passwordCredential = "facegate-mqtt-password"
    }

    /// `[mqtt]` (optional).
    static func mqtt(_ table: PolicyReader?) throws -> MQTT? {
        guard var table else { return nil }
        let url = try table.string("url")
        let tls: Bool
        let rest: Substring
        if url.hasPrefix("mqtts://") {
            tls = true
            rest = url.dropFirst("mqtts://".count)
        } else if url.hasPrefix("mqtt://") {
            tls = false
            rest = url.dropFirst("mqtt://".count)
        } else {
            throw ConsentError(.invalidPolicy, "policy: 'mqtt.url' must be mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (got \"\(url)\")")
        }
        var host = String(rest)
        var port = tls ? 8883 : 1883
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let given = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(given) else {
                throw ConsentError(.invalidPolicy, "policy: 'mqtt.url' has no valid port (got \"\(url)\"); a port is 1-65535")
            }
            port = given
            host = String(rest[..<colon])
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains("/"), !host.contains("@") else {
            throw ConsentError(
                .invalidPolicy, "policy: 'mqtt.url' must name a broker as mqtt://HOST[:PORT], with no path or user (got \"\(url)\")")
        }
        guard tls || ["127.0.0.1", "::1", "localhost"].contains(host) else {
            throw ConsentError(
                .invalidPolicy,
                "policy: 'mqtt.url' names \(host) without TLS; a broker off this box is reached only with mqtts:// (events cross the venue's network)"
            )
        }
        let door = try table.string("door", default: "door")
        guard (1...40).contains(door.utf8.count),
            door.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 95 })
        else {
            throw ConsentError(.invalidPolicy, "policy: 'mqtt.door' is a topic name: 1 to 40 of a-z, 0-9, '-' and '_' (got \"\(door)\")")
        }
        let settings = MQTT(
            host: host, port: port, tls: tls, door: door, user: try table.optionalString("user"),
            caFile: try table.optionalString("ca_file"))
        try table.rejectUnknownKeys()
        return settings
    }
}
