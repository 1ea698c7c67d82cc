/// An IP camera's stream, as its manual gives it: `rtsp://host[:port]/path[?query]`.
/// Never with a user or password in it: an address is shown by `ps`, kept in the
/// policy and the shell history, and repeated in logs; credentials come from
/// `SourceCredentials` instead.
public struct RTSPAddress: Sendable, Equatable {
    public static let defaultPort = 554

    /// The whole address, handed to GStreamer as it is (cameras put the channel and the
    /// stream in the path or the query: `/Streaming/Channels/101`, `?channel=1&subtype=0`).
    public let url: String
    public let host: String
    public let port: Int

    /// What logs, `status` and errors say: the camera's host and port, never the path
    /// or query, which some cameras use to carry an access token.
    public var loggedName: String { "rtsp://" + hostForURL + ":\(port)" }

    private var hostForURL: String { host.contains(":") ? "[\(host)]" : host }

    public init(parsing text: String) throws(CaptureError) {
        let scheme = "rtsp://"
        if text.lowercased().hasPrefix("rtsps://") {
            throw CaptureError(
                .invalidArgument, "rtsps:// (RTSP over TLS) is not supported yet; use the camera's rtsp:// address on a camera network")
        }
        guard text.lowercased().hasPrefix(scheme) else {
            throw CaptureError(.invalidArgument, "an IP camera's address starts with rtsp:// (rtsp://HOST[:PORT]/PATH)")
        }
        guard !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw CaptureError(.invalidArgument, "the camera's address contains a space or a control character; percent-encode it")
        }
        let rest = text.dropFirst(scheme.count)
        // Where GStreamer's URL parser ends the host part: at the path or the query only
        // (a '#' is still the host's, so `user:pass#x@host` must not pass as a host).
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        guard !authority.contains("@"), !authority.contains("#") else {
            throw CaptureError(
                .invalidArgument,
                "the camera's address carries a user or password, which `ps`, the logs and the shell history would show; remove it, put the user in the policy ([appliance] source_user) and the password in the systemd credential \(SourceCredentials.passwordCredential) (see deploy/facegate.service.d/rtsp.conf)"
            )
        }
        var host = Substring(authority)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else {
                throw CaptureError(.invalidArgument, "the camera's IPv6 address has no closing ']'")
            }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw CaptureError(.invalidArgument, "the camera's address has text after its IPv6 host; use rtsp://[ADDRESS]:PORT/PATH")
            }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.firstIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
            guard !portText!.contains(":") else {
                throw CaptureError(.invalidArgument, "an IPv6 camera address goes in brackets: rtsp://[ADDRESS]:PORT/PATH")
            }
        }
        guard !host.isEmpty else { throw CaptureError(.invalidArgument, "the camera's address names no host (rtsp://HOST[:PORT]/PATH)") }
        var port = Self.defaultPort
        if let portText {
            // Not repeated in the message: in a mistyped `user:password@host` it is the password.
            guard portText.allSatisfy({ $0.isASCII && $0.isNumber }), portText.count <= 5, let value = Int(portText),
                (1...65535).contains(value)
            else {
                throw CaptureError(.invalidArgument, "the camera's port is not a number from 1 to 65535")
            }
            port = value
        }
        self.url = text
        self.host = String(host)
        self.port = port
    }
}
