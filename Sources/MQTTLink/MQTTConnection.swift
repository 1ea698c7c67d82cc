public import FacegateCore
public import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One connection to an MQTT broker, publishing at QoS 0: a lost message is lost (the
/// door's record is its own log; this is a venue's live feed). `connect` returns once
/// the broker accepted the CONNACK; `closed` completes when the connection ends.
public final class MQTTConnection: Sendable {
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Connects, sends CONNECT (with `password`, wiped here after use) and waits for
    /// the broker's answer, at most `timeoutSeconds`.
    public static func connect(
        _ settings: MQTTSettings, password: SecretBytes?, group: any EventLoopGroup, timeoutSeconds: Int64 = 10
    ) async throws -> MQTTConnection {
        let sslContext: NIOSSLContext?
        if settings.tls {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let roots = settings.trustRoots { configuration.trustRoots = .file(roots) }
            do { sslContext = try NIOSSLContext(configuration: configuration) } catch {
                throw MQTTError(.tls, "the TLS set-up for the broker failed: \(error); check [mqtt] ca_file")
            }
        } else {
            sslContext = nil
        }
        let accepted = group.next().makePromise(of: Void.self)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(timeoutSeconds))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        let handler = try NIOSSLClientHandler(
                            context: sslContext, serverHostname: settings.host.first?.isNumber == true ? nil : settings.host)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MQTTFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(InboundHandler(accepted: accepted))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: settings.host, port: settings.port).get()
        } catch {
            accepted.fail(error)
            throw MQTTError(.unreachable, "cannot reach the MQTT broker \(settings.host):\(settings.port): \(error)")
        }
        var secret = password.map { password in password.withBytes { $0 } }
        defer { if secret != nil { secret!.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } } }
        let hello = MQTTPacket.connect(settings, password: secret, allocator: channel.allocator)
        channel.writeAndFlush(hello, promise: nil)
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(timeoutSeconds)) {
            accepted.fail(
                MQTTError(.unreachable, "the MQTT broker \(settings.host):\(settings.port) did not answer within \(timeoutSeconds) s"))
        }
        do {
            try await accepted.futureResult.get()
            timeout.cancel()
        } catch {
            timeout.cancel()
            try? await channel.close()
            if let error = error as? MQTTError { throw error }
            if error is NIOSSLError {
                throw MQTTError(.tls, "TLS with the MQTT broker failed: \(error); check [mqtt] ca_file and the broker's certificate")
            }
            throw MQTTError(.closed, "the MQTT broker closed the connection: \(error)")
        }
        return MQTTConnection(channel: channel)
    }

    public func publish(topic: String, payload: [UInt8], retain: Bool = false) async throws {
        guard channel.isActive else { throw MQTTError(.closed, "the connection to the MQTT broker is closed") }
        try await channel.writeAndFlush(MQTTPacket.publish(topic: topic, payload: payload, retain: retain, allocator: channel.allocator))
    }

    public func ping() async throws {
        guard channel.isActive else { throw MQTTError(.closed, "the connection to the MQTT broker is closed") }
        try await channel.writeAndFlush(MQTTPacket.empty(MQTTPacket.pingreq, allocator: channel.allocator))
    }

    /// Says goodbye (the broker then drops the last will) and closes.
    public func disconnect() async {
        if channel.isActive { try? await channel.writeAndFlush(MQTTPacket.empty(MQTTPacket.disconnect, allocator: channel.allocator)) }
        try? await channel.close()
    }

    /// Closes without a goodbye.
    public func close() async { try? await channel.close() }

    public var isActive: Bool { channel.isActive }

    /// Waits until the connection ends.
    public func waitUntilClosed() async { try? await channel.closeFuture.get() }

    private final class InboundHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = (header: UInt8, body: ByteBuffer)
        let accepted: EventLoopPromise<Void>

        init(accepted: EventLoopPromise<Void>) { self.accepted = accepted }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var (header, body) = unwrapInboundIn(data)
            switch header & 0xF0 {
            case MQTTPacket.connack:
                guard body.readInteger(as: UInt8.self) != nil, let code = body.readInteger(as: UInt8.self) else {
                    accepted.fail(MQTTError(.protocolError, "the broker sent a malformed CONNACK"))
                    context.close(promise: nil)
                    return
                }
                if code == 0 {
                    accepted.succeed()
                } else {
                    accepted.fail(MQTTError(.refused, MQTTPacket.refusal(code)))
                    context.close(promise: nil)
                }
            case MQTTPacket.pingresp: break
            default:
                // A broker sends a publisher nothing else; anything else is closed on.
                context.close(promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            accepted.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            accepted.fail(MQTTError(.closed, "the MQTT broker closed the connection"))
            context.fireChannelInactive()
        }
    }
}
