internal import CLinuxSupport
import Consent
import Vault
import FacegateCore
public import Logging
import FoundationEssentials
import NIOCore
import NIOPosix
public import ServiceLifecycle
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The admin socket: a Unix stream socket (mode 0660, group from the policy) speaking
/// newline-delimited JSON, version 1. The peer's uid/gid come from SO_PEERCRED; a
/// peer that is neither root, the service user nor in the admin group is refused
/// (and the refusal audited), whatever the socket's file permissions say.
///
/// Bounded: lines of at most 64 KiB, a short idle timeout, at most `maxClients`
/// clients and `maxClientsPerUser` per OS user (root has `reservedForRoot` more, so
/// that a stuck or hostile admin cannot lock root out), uploads of at most 32 MiB per
/// connection and 64 MiB in all (returned to the system when used). Blocking work
/// runs on `AdminWorkers`. Malformed input gets an error reply, never a crash.
public struct AdminSocketServer: Service {
    public struct Limits: Sendable {
        public var maxLineBytes = 64 * 1024
        /// Seconds without a complete request before a connection is closed.
        public var idleTimeoutSeconds: Int64 = 10
        public var maxClients = 32
        public var maxClientsPerUser = 8
        public var reservedForRoot = 4
        public var maxUploadBytes = 32 << 20
        public var maxTotalUploadBytes = 64 << 20

        public init() {}
    }

    let path: String
    let service: FacegateService
    let dispatcher: AdminDispatcher
    let limits: Limits
    let logger: Logger
    /// Called once the socket is listening (tests wait for it).
    let onListening: @Sendable () -> Void

    public init(
        path: String, service: FacegateService, dispatcher: AdminDispatcher, limits: Limits = Limits(), logger: Logger,
        onListening: @escaping @Sendable () -> Void = {}
    ) {
        self.path = path
        self.service = service
        self.dispatcher = dispatcher
        self.limits = limits
        self.logger = logger
        self.onListening = onListening
    }

    typealias Connection = (channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, peer: OSUser?, activity: ConnectionActivity)

    /// Refuses to take over a socket another daemon answers on (two daemons given one
    /// path would otherwise steal each other's clients).
    public static func ensureFree(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw AdminError(.socketInUse, "'\(path)' exists and is not a socket; remove it or choose another admin socket path")
        }
        if (try? AdminSocketClient.connect(path: path, timeoutSeconds: 2)) != nil {
            throw AdminError(
                .socketInUse,
                "another facegate daemon already listens on the admin socket '\(path)'; give each daemon its own socket (--socket, or [appliance] socket in its policy); nothing was started")
        }
    }

    public func run() async throws {
        let limits = self.limits
        try Self.ensureFree(path)
        let server: NIOAsyncChannel<Connection, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 256)
                // A client that sends its requests and shuts its side still gets the replies.
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                    Self.peerCredentials(of: channel).flatMap { peer in
                        channel.eventLoop.makeCompletedFuture {
                            let activity = ConnectionActivity()
                            // After the line decoder, so that only complete requests count as
                            // activity: a client dripping a byte at a time is still idle.
                            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(BoundedLineDecoder(maxLength: limits.maxLineBytes)))
                            try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(limits.idleTimeoutSeconds)))
                            try channel.pipeline.syncOperations.addHandler(IdleCloser(activity: activity))
                            let wrapped = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                            return (wrapped, peer, activity)
                        }
                    }
                }
        } catch {
            throw AdminError(.unavailable, "cannot create the admin socket '\(path)': \(error); check that its directory exists and is writable by this user, or choose another with --socket or [appliance] socket")
        }
        restrictPermissions()
        var bound = stat()
        _ = lstat(path, &bound)
        logger.info("admin socket listening", metadata: ["admin.socket": "\(path)"])
        onListening()
        let active = ClientCounter()
        let budget = UploadBudget(limit: limits.maxTotalUploadBytes)
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        let uid = connection.peer?.uid ?? UInt32.max
                        if let refusal = active.enter(uid: uid, limits: limits) {
                            group.addTask { await Self.refuse(connection.channel, code: .busy, message: refusal) }
                            continue
                        }
                        group.addTask {
                            await self.serve(connection, budget: budget)
                            active.leave(uid: uid)
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
        // Only our own socket: the path may have been given to another daemon since.
        var now = stat()
        if lstat(path, &now) == 0, now.st_ino == bound.st_ino, now.st_dev == bound.st_dev { unlink(path) }
    }

    /// Mode 0660 and the policy's admin group, so that only admins can reach the
    /// socket at all; SO_PEERCRED is checked anyway.
    private func restrictPermissions() {
        chmod(path, 0o660)
        if let group = getgrnam(service.policy.appliance.adminGroup) {
            if chown(path, uid_t.max, group.pointee.gr_gid) != 0 {
                logger.warning("cannot give the admin socket to the admin group", metadata: ["admin.group": "\(service.policy.appliance.adminGroup)", "error": "\(String(cString: strerror(errno)))"])
            }
        }
    }

    // MARK: One connection

    private func serve(_ connection: Connection, budget: UploadBudget) async {
        guard let peer = connection.peer else {
            await Self.refuse(connection.channel, code: .notPermitted, message: "the caller's credentials could not be read")
            return
        }
        guard service.isAdmin(peer) else {
            service.auditRefusal(peer)
            logger.notice("admin socket refused a caller", metadata: ["admin.uid": "\(peer.uid)"])
            await Self.refuse(connection.channel, code: .notPermitted, message: "'\(peer.name)' (uid \(peer.uid)) may not use the admin socket: only root, the service user and members of '\(service.policy.appliance.adminGroup)' may")
            return
        }
        let session = AdminSession(
            caller: peer, dispatcher: dispatcher, maxUploadBytes: limits.maxUploadBytes, budget: budget,
            stateDirectory: service.registry.location.stateDirectory)
        defer { session.wipe() }
        do {
            try await connection.channel.executeThenClose { inbound, outbound in
                do {
                    for try await line in inbound {
                        // A request being worked on is not idleness.
                        connection.activity.begin()
                        defer { connection.activity.end() }
                        let reply = await session.handle(line: line)
                        try await outbound.write(ByteBuffer(string: reply.serialized + "\n"))
                    }
                } catch is LineTooLong {
                    let reply = AdminSession.errorReply(id: .null, AdminError(.tooLarge, "a request line is longer than \(limits.maxLineBytes) bytes; send images with the upload command in chunks"))
                    try? await outbound.write(ByteBuffer(string: reply.serialized + "\n"))
                }
            }
        } catch {
            // A client that vanished mid-request: nothing to answer, nothing lost.
            logger.debug("admin connection ended", metadata: ["error": "\(error)"])
        }
    }

    private static func refuse(_ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, code: AdminError.Code, message: String) async {
        try? await channel.executeThenClose { _, outbound in
            let reply = AdminSession.errorReply(id: .null, AdminError(code, message))
            try await outbound.write(ByteBuffer(string: reply.serialized + "\n"))
        }
    }

    /// The peer's uid, gid and pid (SO_PEERCRED), as an OS user.
    private static func peerCredentials(of channel: any Channel) -> EventLoopFuture<OSUser?> {
        guard let provider = channel as? any SocketOptionProvider else { return channel.eventLoop.makeSucceededFuture(nil) }
        let future: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(PeerCredentials.option))
        return future.map { OSUser.from(uid: $0.uid, gid: $0.gid) as OSUser? }.recover { _ in nil }
    }
}

/// `struct ucred` as SO_PEERCRED fills it.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
    static let option: Int32 = 17  // SO_PEERCRED on Linux (all architectures we build for)
}

/// Thrown by the line decoder when a line exceeds the limit.
struct LineTooLong: Error {}

/// Splits the byte stream into lines (without the newline), refusing any line longer
/// than `maxLength` as soon as that many bytes arrive without a newline.
struct BoundedLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    let maxLength: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - buffer.readerIndex
            guard length <= maxLength else { throw LineTooLong() }
            var line = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            if line.readableBytesView.last == UInt8(ascii: "\r") { line = line.getSlice(at: line.readerIndex, length: line.readableBytes - 1)! }
            context.fireChannelRead(Self.wrapInboundOut(line))
            return .continue
        }
        guard buffer.readableBytes <= maxLength else { throw LineTooLong() }
        return .needMoreData
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A last line without a newline is still a request.
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            guard buffer.readableBytes <= maxLength else { throw LineTooLong() }
            context.fireChannelRead(Self.wrapInboundOut(buffer.readSlice(length: buffer.readableBytes)!))
        }
        return .needMoreData
    }
}

/// Whether a connection's request is being worked on.
final class ConnectionActivity: Sendable {
    private let busy = Atomic<Int>(0)
    func begin() { busy.add(1, ordering: .sequentiallyConsistent) }
    func end() { busy.subtract(1, ordering: .sequentiallyConsistent) }
    var isBusy: Bool { busy.load(ordering: .sequentiallyConsistent) > 0 }
}

/// Closes a connection that has sent nothing for the idle timeout, unless its last
/// request is still being worked on (an identification under load can take longer).
final class IdleCloser: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let activity: ConnectionActivity
    init(activity: ConnectionActivity) { self.activity = activity }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            if !activity.isBusy { context.close(promise: nil) }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

/// How many admin clients are connected, in all and per OS user.
final class ClientCounter: Sendable {
    private let counts = Mutex<(total: Int, perUser: [UInt32: Int])>((0, [:]))

    /// Counts a new client, or says why it must retry later.
    func enter(uid: UInt32, limits: AdminSocketServer.Limits) -> String? {
        counts.withLock { counts in
            let mine = counts.perUser[uid, default: 0]
            let total = limits.maxClients + (uid == 0 ? limits.reservedForRoot : 0)
            if counts.total >= total {
                return "too many admin clients connected (\(limits.maxClients)); retry shortly"
            }
            if uid != 0 && mine >= limits.maxClientsPerUser {
                return "this user already has \(limits.maxClientsPerUser) admin connections open; close one, or retry shortly"
            }
            counts.total += 1
            counts.perUser[uid] = mine + 1
            return nil
        }
    }

    func leave(uid: UInt32) {
        counts.withLock { counts in
            counts.total -= 1
            counts.perUser[uid] = max(0, counts.perUser[uid, default: 1] - 1)
            if counts.perUser[uid] == 0 { counts.perUser[uid] = nil }
        }
    }
}

/// The memory all connections' uploads may hold at once. When it all comes back,
/// the freed pages are returned to the system (`malloc_trim`), so a burst of large
/// uploads does not leave the daemon large on a 1 GiB board.
final class UploadBudget: Sendable {
    let limit: Int
    private let used = Mutex(0)

    init(limit: Int) { self.limit = limit }

    func reserve(_ bytes: Int) -> Bool {
        used.withLock { used in
            guard used + bytes <= limit else { return false }
            used += bytes
            return true
        }
    }

    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        let idle = used.withLock { used -> Bool in
            used = max(0, used - bytes)
            return used == 0
        }
        if idle { _ = fg_linux_release_free_memory() }
    }

    var inUse: Int { used.withLock { $0 } }
}
