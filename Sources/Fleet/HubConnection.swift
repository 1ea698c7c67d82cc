import FacegateCore
import FoundationEssentials
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// One connection to the fleet's hub, with the few statements the fleet runs. Every
/// value the hub stores is a pseudonym, a time, a door's name or a sealed copy: no
/// face and no name ever reaches it. Failures become `FleetError`s that name the hub
/// and never repeat a query's values.
public final class HubConnection: Sendable {
    public let address: HubAddress
    let connection: PostgresConnection
    let logger: Logger
    /// When the statement now running was sent; nil between statements.
    private let statementSent = Mutex<ContinuousClock.Instant?>(nil)

    /// The notification channel every change to the hub's subjects or erasures is
    /// announced on (in the transaction that makes it, so it arrives after commit).
    public static let channel = "facegate_fleet"

    private init(address: HubAddress, connection: PostgresConnection, logger: Logger) {
        self.address = address
        self.connection = connection
        self.logger = logger
    }

    /// Connects, with the password from the systemd credential when there is one.
    public static func connect(
        to address: HubAddress, environment: [String: String], timeout: Duration = .seconds(5)
    ) async throws(FleetError) -> HubConnection {
        // PostgresNIO logs queries and their binds at debug level: never, here.
        let quiet = Logger(label: "facegate.hub", factory: { _ in SwiftLogNoOpLogHandler() })
        var password: String?
        if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty,
            let data = FileManager.default.contents(atPath: directory + "/" + HubAddress.passwordCredential)
        {
            password = String(decoding: data.prefix { $0 != 0x0A && $0 != 0x0D }, as: UTF8.self)
        }
        var configuration: PostgresConnection.Configuration
        switch address.endpoint {
        case .socket(let path):
            configuration = .init(unixSocketPath: path, username: address.user, password: password, database: address.database)
        case .tcp(let host, let port, let tls):
            var mode = PostgresConnection.Configuration.TLS.disable
            if tls {
                do {
                    mode = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                } catch {
                    throw FleetError(.hubUnavailable, "cannot set up TLS for the hub \(address): \(error)")
                }
            }
            configuration = .init(host: host, port: port, username: address.user, password: password, database: address.database, tls: mode)
        }
        configuration.options.connectTimeout = .nanoseconds(Int64(timeout.milliseconds * 1_000_000))
        do {
            let connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1, logger: quiet)
            return HubConnection(address: address, connection: connection, logger: quiet)
        } catch {
            throw Self.translate(error, address: address, doing: "connect to")
        }
    }

    /// Calls `onEach` for every change the hub announces, until the connection ends.
    func listen(_ onEach: @Sendable () -> Void) async throws {
        do {
            try await connection.listen(on: Self.channel) { notifications in
                for try await _ in notifications { onEach() }
            }
        } catch {
            throw Self.translate(error, address: address, doing: "listen to")
        }
    }

    public func close() async {
        try? await connection.close()
    }

    /// How long the statement now running has waited for the hub; nil between
    /// statements. A sync's statements answer in milliseconds: one that waits for many
    /// seconds is one the hub, or PostgresNIO, will not finish (`FleetSync.bounded`).
    var statementWaiting: Duration? {
        statementSent.withLock { sent in sent.map { ContinuousClock.now - $0 } }
    }

    /// Runs one statement and returns its rows.
    @discardableResult
    func rows(_ query: PostgresQuery, doing what: String) async throws(FleetError) -> [PostgresRow] {
        statementSent.withLock { $0 = .now }
        defer { statementSent.withLock { $0 = nil } }
        do {
            var rows: [PostgresRow] = []
            for try await row in try await connection.query(query, logger: logger) { rows.append(row) }
            return rows
        } catch {
            throw Self.translate(error, address: address, doing: what)
        }
    }

    /// Runs `body` in a transaction that holds the fleet's writer lock: the hub's
    /// changes get their sequence numbers and commit in one order, so a door reading
    /// "everything after N" never misses a change that commits late.
    func inWriteTransaction<T: Sendable>(doing what: String, _ body: () async throws(FleetError) -> T) async throws(FleetError) -> T {
        try await rows("BEGIN", doing: what)
        do {
            try await rows("SELECT pg_advisory_xact_lock(\(Self.writerLock))", doing: what)
            let result = try await body()
            try await rows("COMMIT", doing: what)
            return result
        } catch {
            _ = try? await rows("ROLLBACK", doing: what)
            throw error
        }
    }

    /// The advisory lock every writer takes (an arbitrary constant: "fgfleet").
    static let writerLock: Int64 = 0x6667_666C_6565_74

    static func translate(_ error: any Error, address: HubAddress, doing what: String) -> FleetError {
        if let error = error as? FleetError { return error }
        if let error = error as? PSQLError {
            if let state = error.serverInfo?[.sqlState] {
                let message = error.serverInfo?[.message] ?? "error \(state)"
                // 28xxx: authentication; 3D000: no such database; 42501: no privilege.
                if state.hasPrefix("28") || state == "3D000" || state == "42501" {
                    return FleetError(
                        .hubRefused,
                        "the hub \(address) refused to \(what) it: \(message); check the user, the database and the credential \(HubAddress.passwordCredential)"
                    )
                }
                return FleetError(.hubRefused, "the hub \(address) failed to \(what): \(message) (SQLSTATE \(state))")
            }
            return FleetError(.hubUnavailable, "cannot \(what) the hub \(address): \(error.code); is PostgreSQL running and reachable?")
        }
        return FleetError(.hubUnavailable, "cannot \(what) the hub \(address): \(error); is PostgreSQL running and reachable?")
    }
}
