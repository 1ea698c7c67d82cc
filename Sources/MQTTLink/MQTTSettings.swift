/// Where and how the door publishes: the broker, who it says it is, its last will.
public struct MQTTSettings: Sendable {
    public var host: String
    public var port: Int
    /// TLS (`mqtts://`), required by the policy for a broker that is not on loopback.
    public var tls: Bool
    /// A PEM file of the certificates to trust instead of the system's (a venue's own CA).
    public var trustRoots: String?
    public var user: String?
    public var clientID: String
    public var keepAliveSeconds: UInt16
    /// What the broker publishes when the door goes away without saying goodbye.
    public var will: (topic: String, payload: [UInt8], retain: Bool)?

    public init(
        host: String, port: Int, tls: Bool, trustRoots: String? = nil, user: String? = nil, clientID: String, keepAliveSeconds: UInt16 = 60,
        will: (topic: String, payload: [UInt8], retain: Bool)? = nil
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.trustRoots = trustRoots
        self.user = user
        self.clientID = clientID
        self.keepAliveSeconds = keepAliveSeconds
        self.will = will
    }
}
