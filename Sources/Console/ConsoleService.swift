public import Consent
public import Edge
public import FacegateCore
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
import NIOSSL
public import ServiceLifecycle

/// The console as one service of the daemon's `ServiceGroup`: a Hummingbird server on
/// `[console] listen` (or `run --console`), over TLS when a certificate is set. It
/// refuses to be built for an address off this machine without TLS, so `run` stops
/// at start (78) rather than serve passwords and faces in clear.
public struct ConsoleService: Service {
    let console: VenueConsole
    let host: String
    let port: Int
    let tlsConfiguration: TLSConfiguration?
    let logger: Logger
    let onListening: @Sendable (String) -> Void

    /// Checks the address and the TLS files, then builds the console.
    public init(
        listen: ConsoleListen, settings: Policy.Console, dispatcher: AdminDispatcher, clock: any WallClock,
        doorEvents: DoorEventHub = DoorEventHub(), metrics: ConsoleMetrics = ConsoleMetrics(), logger: Logger,
        onListening: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        try Self.check(listen: listen, settings: settings)
        guard case .address(let host, let port) = listen else {
            throw ConsoleError(.invalidRequest, "the console is off; nothing to serve")
        }
        let tls = try Self.tlsConfiguration(settings)
        self.console = try VenueConsole(
            dispatcher: dispatcher, settings: settings, listen: listen, tls: tls != nil, clock: clock, doorEvents: doorEvents,
            metrics: metrics,
            logger: logger)
        self.host = host
        self.port = port
        self.tlsConfiguration = tls
        self.logger = logger
        self.onListening = onListening
    }

    /// Refuses an address off this machine without TLS: checked before the daemon opens
    /// anything, so that `run` fails at once.
    public static func check(listen: ConsoleListen, settings: Policy.Console) throws {
        guard !listen.isLoopback, settings.tlsCertificate == nil else { return }
        throw ConsoleError(
            .tlsRequired,
            "the console would listen on \(listen), off this machine, without TLS: set [console] tls_certificate and tls_key in the policy, or listen on 127.0.0.1 (--console 127.0.0.1:8080), or --console off"
        )
    }

    /// The server's TLS configuration from `[console] tls_certificate` and `tls_key`, or
    /// nil when they are not set; `doctor` checks the files with it.
    static func tlsConfiguration(_ settings: Policy.Console) throws -> TLSConfiguration? {
        guard let certificate = settings.tlsCertificate, let key = settings.tlsKey else { return nil }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            return TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        } catch {
            throw ConsoleError(
                .tlsInvalid,
                "cannot use the console's TLS files ('\(certificate)', '\(key)'): \(error); give a PEM certificate and its PEM private key")
        }
    }

    /// What `doctor` says about the console: where it would listen and how.
    public static func describe(listen: ConsoleListen, settings: Policy.Console) throws -> String {
        try check(listen: listen, settings: settings)
        guard case .address = listen else { return "off ([console] listen, or FACEGATE_CONSOLE=off under the shipped unit)" }
        if try tlsConfiguration(settings) != nil { return "\(listen) over TLS (certificate and key load)" }
        return "\(listen), plain HTTP on this machine only"
    }

    public func run() async throws {
        // A client that opens a connection and sends nothing is dropped after 30 s.
        let http: HTTPServerBuilder = .http1(configuration: .init(idleTimeout: .seconds(30)))
        let server: HTTPServerBuilder = try tlsConfiguration.map { try .tls(http, tlsConfiguration: $0) } ?? http
        let scheme = tlsConfiguration == nil ? "http" : "https"
        let logger = self.logger
        let onListening = self.onListening
        let app = Application(
            router: console.router(), server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let address = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
                logger.info("console listening", metadata: ["console.address": "\(address)"])
                onListening(address)
            },
            logger: logger)
        do {
            // The server's graceful shutdown waits for open requests, and a door page's
            // event stream never ends by itself: end them first.
            try await withGracefulShutdownHandler {
                try await app.run()
            } onGracefulShutdown: { [console] in
                console.doorEvents.close()
            }
        } catch let error as IOError {
            throw ConsoleError(
                .cannotListen,
                "the console cannot listen on \(host):\(port): \(error.description); free that port, or choose another address with [console] listen or --console (off turns the console off)"
            )
        }
    }
}
