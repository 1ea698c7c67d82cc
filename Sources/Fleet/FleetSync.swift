public import Consent
public import FacegateCore
public import Logging
public import ServiceLifecycle
import Synchronization
public import Vault

/// A door's side of the fleet, a service of `facegate run`. The door decides from its
/// own vault, always; this keeps that vault in step with the hub:
///
/// - on connecting, it gives the hub every erasure of its journal (a hub restored from
///   an old backup loses those subjects again before any door reads them), reads the
///   hub's changes since its cursor (from the start when the hub's sequence is behind
///   the cursor: a restored hub), and pushes the subjects enrolled here that the hub
///   does not know (enrolments made while offline);
/// - then it waits on the hub's notifications, its own enrolments and erasures, and a
///   one-second heartbeat, and does the same for what changed;
/// - a push runs under the hub's writer lock after reading every change before it,
///   so the same face enrolled at two doors at once leaves one subject: the second
///   is refused (erased here, with reason `duplicate`, and listed by `fleet status`);
/// - when the door has not completed a sync for `fleet.max_offline_minutes`, it holds
///   the registry's `MembershipHold`: no face is decided `member` until it has;
/// - every row it gives the hub is signed (`SignedChange`, `FleetSync+Verification`),
///   and every row it reads is applied only when its proof opens with the fleet key,
///   its origin door's key verifies it and it is newer than what that door's rows
///   already gave; any other row is refused, recorded as a breach event, counted in
///   the report and `/metrics`, and listed on the hub for `fleet status`;
/// - a sync that does not finish within `syncTimeout` (a hub that stopped answering,
///   a black-hole partition) marks the door disconnected at once; one whose statement
///   waits that long is abandoned and the connection replaced (`bounded`).
public final class FleetSync: Service, Sendable {
    let registry: ConsentRegistry
    let address: HubAddress
    let key: FleetKey
    /// The fleet key itself: it seals this door's file of key epochs.
    let rootKey: SecretKey
    let location: VaultLocation
    let environment: [String: String]
    let logger: Logger
    let clock: any WallClock
    let state: Mutex<State>
    private let wanted = Atomic<Bool>(true)
    let localChange = Atomic<Bool>(true)
    /// Set while a sync applies the hub's own changes (adoptions, erasures and
    /// withdrawals read from it): the vault's change observer then knows there is
    /// nothing to give back. Without it every change a door applied sent it through its
    /// whole membership on the next sync (100,000 subjects: joins and propagation
    /// rounds slowed by seconds).
    @TaskLocal static var applyingHubChanges = false
    let savedCursor = Atomic<Int64>(-1)

    /// Changes read from the hub per query.
    static let pageSize = 500
    /// A sync that takes longer is abandoned and the connection reopened.
    static let syncTimeout: Duration = .seconds(15)
    static let heartbeat: Duration = .seconds(1)
    static let actor = OSUser(uid: UInt32.max, gid: UInt32.max, name: "fleet")

    struct State {
        var membership: FleetMembership
        /// The fleet's key epochs this door holds; nil until the first sync when the door
        /// joined before epochs existed (`FleetSync+Epochs`).
        var epochs: FleetEpochs?
        /// Whether the hub has the key epochs' tables (version 4); a hub its owner has not
        /// upgraded yet gets copies sealed with the fleet key, as before.
        var hubHasEpochs = true
        /// The epochs this door began (since it started): an epoch row in its name that it
        /// did not write is not taken as covering its own erasures.
        var epochsBegunHere = Set<Int>()
        var connected = false
        var savedAt: Double = 0
        var adopted = 0
        var erasedFromHub = 0
        var withdrawnFromHub = 0
        var pushed = 0
        var refused = 0
        var lastError: String?
        var held: String?
        /// Rows from the hub this door refused since it started.
        var rejected = 0
        var lastRejection: String?
        /// When the last sync completed (monotonic): `connected` also needs a recent one.
        var lastSyncAt: ContinuousClock.Instant?
    }

    public init(
        membership: FleetMembership, key: SecretKey, registry: ConsentRegistry, environment: [String: String], logger: Logger,
        clock: any WallClock = SystemWallClock()
    ) throws(FleetError) {
        self.address = try HubAddress(parsing: membership.hub)
        self.key = FleetKey(key, fleetID: membership.fleetID)
        self.registry = registry
        self.location = registry.location
        self.environment = environment
        self.logger = logger
        self.clock = clock
        var state = State(membership: membership)
        state.epochs = try FleetEpochs.load(fleetID: membership.fleetID, root: key, directory: registry.location.keys)
        self.state = Mutex(state)
        self.rootKey = key
        registry.vault.observeChanges { [weak self] in
            guard !FleetSync.applyingHubChanges else { return }
            self?.localChange.store(true, ordering: .relaxed)
            self?.nudge()
        }
        checkHold()
    }

    /// Asks for a sync as soon as possible (a notification from the hub).
    public func nudge() { wanted.store(true, ordering: .relaxed) }

    public var report: FleetReport {
        let now = ContinuousClock.now
        return state.withLock { state in
            // A connection whose syncs stopped completing is not "connected", whatever the
            // socket says (a black-hole partition leaves it open for minutes).
            let fresh = state.lastSyncAt.map { now - $0 <= Self.syncTimeout } ?? false
            return FleetReport(
                fleetID: state.membership.fleetID, door: state.membership.doorName, hub: address.description,
                connected: state.connected && fresh,
                lastHeardAt: state.membership.lastHeardAt, cursor: state.membership.cursor, heldBecause: state.held,
                adopted: state.adopted, erasedFromHub: state.erasedFromHub,
                withdrawnFromHub: state.withdrawnFromHub, pushed: state.pushed, refused: state.refused,
                lastError: state.lastError
                    ?? (state.connected && !fresh ? "the hub \(address) did not answer within \(Self.syncTimeout)" : nil),
                rejected: state.rejected, lastRejection: state.lastRejection, keyEpoch: state.epochs?.current,
                heldKeyEpochs: state.epochs?.epochs.filter(\.held).map(\.number) ?? [])
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.watchHold() }
                group.addTask { await self.connectLoop() }
                await group.next()
                group.cancelAll()
            }
        }
        saveMembership(force: true)
    }

    // MARK: Failing closed

    private func watchHold() async {
        while !Task.isCancelled {
            checkHold()
            expireEpochKeys()
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Holds or releases the registry's `MembershipHold` from the time since the last sync.
    func checkHold() {
        let limit = registry.policy.fleet.maxOfflineMinutes * 60
        let now = clock.now()
        let why: String? = state.withLock { state in
            guard let heard = state.membership.lastHeardAt else { return "this door has not synced with the hub \(address) yet" }
            let silent = now - heard
            guard silent > limit else { return nil }
            return "no sync with the hub \(address) for \(Int(silent)) s (fleet.max_offline_minutes allows \(Int(limit)) s)"
        }
        let was = state.withLock { state in
            defer { state.held = why }
            return state.held
        }
        let synced = state.withLock { $0.membership.lastHeardAt != nil }
        if let why {
            registry.membershipHold.hold(because: why)
            // A door that never synced waits for its first sync (milliseconds, usually) without alarm.
            if was == nil && synced {
                logger.error(
                    "fleet: members are not recognised until the hub answers", metadata: ["fleet.hub": "\(address)", "reason": "\(why)"])
            }
        } else {
            registry.membershipHold.release()
            if was != nil && synced { logger.warning("fleet: members are recognised again", metadata: ["fleet.hub": "\(address)"]) }
        }
    }

    // MARK: Connection

    private func connectLoop() async {
        var backoff = 0.25
        while !Task.isCancelled {
            do {
                let hub = try await connect()
                // Closed beside the loop, not awaited: nothing of a connection that
                // failed may hold the door from the next one.
                defer { Task { await hub.close() } }
                try await session(hub, connected: { backoff = 0.25 })
            } catch is CancellationError {
                break
            } catch {
                let message = (error as? any UserFacingError)?.message ?? "\(error)"
                let first = state.withLock { state in
                    defer {
                        state.connected = false
                        state.lastError = message
                    }
                    return state.connected || state.lastError != message
                }
                if first {
                    logger.warning("fleet: hub unreachable, retrying", metadata: ["fleet.hub": "\(address)", "error": "\(message)"])
                }
            }
            state.withLock { $0.connected = false }
            try? await Task.sleep(for: .milliseconds(Int(backoff * 1000)))
            backoff = min(backoff * 2, 5)
        }
    }

    /// One connection's life: checks the fleet and the key, reconciles, then syncs on
    /// every notification, local change or heartbeat until something fails.
    private func session(_ hub: HubConnection, connected: () -> Void) async throws {
        try await bounded(hub) { try await self.admit(hub) }
        let session = SyncSession()
        try await bounded(hub) { try await self.prepareSigning(hub, session: session) }
        try await bounded(hub) { try await self.sync(hub, session: session, full: true) }
        connected()
        state.withLock {
            $0.connected = true
            $0.lastError = nil
        }
        logger.info(
            "fleet: synced with the hub",
            metadata: ["fleet.hub": "\(address)", "fleet.cursor": "\(state.withLock { $0.membership.cursor })"])
        let listener = HubListener(hub) { self.nudge() }
        defer { listener.cancel() }
        var lastSync = ContinuousClock.now
        while !Task.isCancelled {
            if listener.hasEnded { throw FleetError(.hubUnavailable, "the hub \(address) closed the connection") }
            if wanted.exchange(false, ordering: .relaxed) || ContinuousClock.now - lastSync >= Self.heartbeat {
                try await bounded(hub) { try await self.sync(hub, session: session, full: false) }
                lastSync = ContinuousClock.now
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Checks that the hub holds this door's fleet and that the door's key opens it,
    /// and gives a hub made by an older version the tables it lacks.
    private func admit(_ hub: HubConnection) async throws {
        guard let meta = try await hub.fleetMeta(), meta.fleetID == key.fleetID else {
            throw FleetError(
                .fleetState, "the hub \(address) does not hold the fleet \(key.fleetID) this door joined; check fleet.json's hub address")
        }
        guard key.opens(check: meta.keyCheck) else {
            throw FleetError(
                .wrongFleetKey,
                "this door's fleet key does not open the fleet \(key.fleetID): copy keys/fleet.key from a door of the fleet (or its credential \(KeyDirectory.fleetKeyCredentialName))"
            )
        }
        // Only a hub made by an older version is given tables: DDL on every connection
        // raced an operator restoring the hub (a door reconnecting between the dump's
        // data and its indexes created an index the dump then failed to create).
        let upgraded = meta.schemaVersion >= HubSchema.version ? true : try await addMissingTables(hub)
        let hubHasEpochs = upgraded || meta.schemaVersion >= 4
        // A door whose epochs began from a random key joined a fleet of version 4 or later:
        // a hub that says otherwise would have it seal copies with the fleet key alone.
        if !hubHasEpochs, state.withLock({ $0.epochs?.random }) == true {
            throw FleetError(
                .integrityFailure,
                "the hub \(address) says the fleet's tables are of version \(meta.schemaVersion), older than the key epochs this door joined with; check who writes to the hub (nothing was given to it)"
            )
        }
        state.withLock { $0.hubHasEpochs = hubHasEpochs }
    }

    /// A hub made by an earlier version gets the tables it lacks (idempotent). A role
    /// that may not create them leaves the hub as it is; what then fails says which table.
    private func addMissingTables(_ hub: HubConnection) async throws(FleetError) -> Bool {
        do {
            try await hub.upgradeSchema()
            return true
        } catch {
            guard error.code == .hubRefused else { throw error }
            logger.warning(
                "fleet: cannot add the tables this version uses to the hub; run `facegate fleet init --hub` as the database's owner",
                metadata: ["fleet.hub": "\(address)", "error": "\(error.message)"])
            return false
        }
    }

    /// Runs `body` (a sync) and waits for it, but never for a statement the hub does
    /// not answer. Past `syncTimeout` in all, the door is marked disconnected at once
    /// and the sync goes on (a door joining a large fleet keeps each page as it comes;
    /// closing its connection under a streaming query once left that query waiting for
    /// ever). Past `syncTimeout` on one statement, the sync is abandoned, not awaited:
    /// PostgresNIO can leave a statement sent as the connection closed waiting for ever
    /// (in CI, after a hub restart, a door with no connection left never synced again),
    /// and a black-hole partition keeps one waiting for minutes. The session then ends
    /// and its connection is closed, so the abandoned sync can only end in an error.
    private func bounded(_ hub: HubConnection, _ body: @escaping @Sendable () async throws -> Void) async throws {
        let attempt = Attempt<Void, any Error>()
        let run = Task {
            do { _ = attempt.settle(.success(try await body())) } catch { _ = attempt.settle(.failure(error)) }
        }
        let message = "the hub \(address) did not answer within \(Self.syncTimeout)"
        let started = ContinuousClock.now
        var marked = false
        while true {
            if let result = attempt.result { return try result.get() }
            if !marked && ContinuousClock.now - started > Self.syncTimeout {
                marked = true
                markDisconnected(because: message)
            }
            if let waiting = hub.statementWaiting, waiting > Self.syncTimeout {
                run.cancel()
                throw FleetError(.hubUnavailable, message)
            }
            do { try await Task.sleep(for: .milliseconds(20)) } catch {
                // Shutting down: a sync the hub answers finishes (its pages and cursor are
                // kept together); one stuck on a statement does not hold the door.
                run.cancel()
                await Task.detached {
                    while attempt.result == nil && (hub.statementWaiting ?? .zero) <= Self.syncTimeout {
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                }.value
                throw error
            }
        }
    }

    /// Connects within `syncTimeout`: a hub in a black hole accepts a socket and never
    /// answers its start-up, where PostgresNIO's own time limit (the TCP connect) does not
    /// reach. A connection that arrives after the limit is closed.
    private func connect() async throws -> HubConnection {
        let address = address, environment = environment
        let attempt = Attempt<HubConnection, FleetError>()
        let task = Task {
            let result: Result<HubConnection, FleetError>
            do { result = .success(try await HubConnection.connect(to: address, environment: environment)) } catch {
                result = .failure(error as? FleetError ?? FleetError(.hubUnavailable, "cannot connect to the hub \(address): \(error)"))
            }
            if !attempt.settle(result), case .success(let hub) = result { await hub.close() }
        }
        let deadline = ContinuousClock.now + Self.syncTimeout
        while ContinuousClock.now < deadline {
            if let result = attempt.result { return try result.get() }
            do { try await Task.sleep(for: .milliseconds(20)) } catch {
                if attempt.settle(.failure(FleetError(.hubUnavailable, "stopped connecting to the hub \(address)"))) { task.cancel() }
                throw error
            }
        }
        if attempt.settle(.failure(FleetError(.hubUnavailable, "the hub \(address) did not answer within \(Self.syncTimeout)"))) {
            task.cancel()
        }
        return try attempt.result!.get()
    }

    func markDisconnected(because message: String) {
        state.withLock { state in
            state.connected = false
            state.lastError = message
        }
        logger.warning("fleet: the hub stopped answering; reconnecting", metadata: ["fleet.hub": "\(address)", "error": "\(message)"])
    }
}
