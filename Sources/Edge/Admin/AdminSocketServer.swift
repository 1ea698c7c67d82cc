internal import CLinuxSupport
import Consent
import FacegateCore
import FoundationEssentials
public import Logging
import NIOCore
import NIOPosix
public import ServiceLifecycle
import Synchronization
import Vault

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
    let dispatcher: AdminDispatcher
    let limits: Limits
    let logger: Logger
    /// Every request answered and every caller refused, audited per client and minute.
    let requests: AdminRequestLog
    /// Called once the socket is listening (tests wait for it).
    let onListening: @Sendable () -> Void

    /// `requests` defaults to a log writing to the dispatcher's audit log; the daemon
    /// passes its own, which a service flushes every minute.
    public init(
        path: String, dispatcher: AdminDispatcher, limits: Limits = Limits(), requests: AdminRequestLog? = nil, logger: Logger,
        onListening: @escaping @Sendable () -> Void = {}
    ) {
        self.path = path
        self.dispatcher = dispatcher
        self.limits = limits
        self.logger = logger
        self.requests = requests ?? AdminRequestLog(write: dispatcher.operations.auditRequests)
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
                "another facegate daemon already listens on the admin socket '\(path)'; give each daemon its own socket (--socket, or [appliance] socket in its policy); nothing was started"
            )
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
                            try channel.pipeline.syncOperations.addHandler(
                                ByteToMessageHandler(BoundedLineDecoder(maxLength: limits.maxLineBytes)))
                            try channel.pipeline.syncOperations.addHandler(
                                IdleStateHandler(readTimeout: .seconds(limits.idleTimeoutSeconds)))
                            try channel.pipeline.syncOperations.addHandler(IdleCloser(activity: activity))
                            // Torn down when dropped: a connection accepted just as the daemon stops
                            // reaches a server loop that has ended, and a wrapper that must be
                            // finished by hand then stopped the daemon with a precondition failure
                            // ("Deinited NIOAsyncWriter without calling finish()", seen in CI on
                            // SIGTERM right after a client connected). Deprecated for that default;
                            // it is the one wanted here.
                            let wrapped = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(synchronouslyWrapping: channel)
                            return (wrapped, peer, activity)
                        }
                    }
                }
        } catch {
            throw AdminError(
                .unavailable,
                "cannot create the admin socket '\(path)': \(error); check that its directory exists and is writable by this user, or choose another with --socket or [appliance] socket"
            )
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
                            if let peer = connection.peer {
                                requests.record(peer, request: "connect", outcome: AdminError.Code.busy.rawValue)
                            }
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
        if let group = getgrnam(dispatcher.operations.policy.appliance.adminGroup) {
            if chown(path, uid_t.max, group.pointee.gr_gid) != 0 {
                logger.warning(
                    "cannot give the admin socket to the admin group",
                    metadata: [
                        "admin.group": "\(dispatcher.operations.policy.appliance.adminGroup)",
                        "error": "\(String(cString: strerror(errno)))",
                    ])
            }
        }
    }

    // MARK: One connection

    private func serve(_ connection: Connection, budget: UploadBudget) async {
        guard let peer = connection.peer else {
            await Self.refuse(connection.channel, code: .notPermitted, message: "the caller's credentials could not be read")
            return
        }
        guard dispatcher.operations.isAdmin(peer) else {
            requests.record(peer, request: "connect", outcome: AdminError.Code.notPermitted.rawValue)
            logger.notice("admin socket refused a caller", metadata: ["admin.uid": "\(peer.uid)"])
            await Self.refuse(
                connection.channel, code: .notPermitted,
                message:
                    "'\(peer.name)' (uid \(peer.uid)) may not use the admin socket: only root, the service user and members of '\(dispatcher.operations.policy.appliance.adminGroup)' may"
            )
            return
        }
        let session = AdminSession(
            caller: peer, dispatcher: dispatcher, maxUploadBytes: limits.maxUploadBytes, budget: budget,
            stateDirectory: dispatcher.operations.registry.location.stateDirectory, requests: requests)
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
                    requests.record(peer, request: "malformed", outcome: AdminError.Code.tooLarge.rawValue)
                    let reply = AdminSession.errorReply(
                        id: .null,
                        AdminError(
                            .tooLarge,
                            "a request line is longer than \(limits.maxLineBytes) bytes; send images with the upload command in chunks"))
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
