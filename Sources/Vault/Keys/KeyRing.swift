import FacegateCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The keys that wrap subjects' data keys, one per *epoch*, so that old backups
/// expire.
///
/// A subject's data key is wrapped with the key of the current epoch. An erasure
/// gives the current epoch a deadline, `backup_days` later; the next key maintenance
/// starts a new epoch and re-wraps every subject under it; and at the deadline the
/// old epoch's key is destroyed. A backup holds wrapped keys only, so once every
/// epoch it was taken under is destroyed, no key directory of this device can open
/// it: an erased person cannot come back from a backup more than `backup_days` after
/// the erasure.
///
/// The epoch keys live in `keys/kek-epochs`, each sealed with the root key (the
/// `kek` file or the `facegate-kek` systemd credential), beside the erasure journal:
/// the key directory is the recovery kit, and it carries both. Epoch 0 is the root
/// key itself; it wrapped subjects before epochs existed and is never destroyed.
public final class KeyRing: @unchecked Sendable {
    public let directory: KeyDirectory
    let root: SecretKey
    private let state: Mutex<State>

    /// What the ring knows about one epoch (no key material).
    public struct Epoch: Sendable, Equatable {
        public var number: Int
        public var createdAt: Double
        /// When a newer epoch replaced it.
        public var retiredAt: Double?
        /// Set by the first erasure made while it was current: its key is destroyed
        /// at this time (after it stopped being current).
        public var destroyAfter: Double?
        public var destroyedAt: Double?
    }

    struct State {
        var current: Int
        var epochs: [Int: Epoch]
        var sealed: [Int: [UInt8]]
        var keys: [Int: SecretKey]
    }

    private init(directory: KeyDirectory, root: SecretKey, state: State) {
        self.directory = directory
        self.root = root
        self.state = Mutex(state)
    }

    /// Loads the root key and the epochs file (absent on a device that never wrote:
    /// then only the root epoch exists until `ensureEpoch`).
    public static func load(directory: KeyDirectory, environment: [String: String]) throws -> KeyRing {
        let root = try directory.loadKEK(environment: environment)
        var state = State(current: 0, epochs: [0: Epoch(number: 0, createdAt: 0)], sealed: [:], keys: [0: root])
        try directory.checkWrittenFile(directory.epochsPath)
        try directory.checkWrittenFile(directory.erasureJournalPath)
        if let bytes = try FileSystem.readAll(directory.epochsPath) {
            try parse(bytes, path: directory.epochsPath, root: root, into: &state)
        }
        return KeyRing(directory: directory, root: root, state: state)
    }

    public var currentEpoch: Int { state.withLock { $0.current } }

    /// Every epoch, oldest first.
    public var epochs: [Epoch] { state.withLock { $0.epochs.values.sorted { $0.number < $1.number } } }

    /// The key of `epoch`, or `keyDestroyed` naming when it went.
    func key(forEpoch epoch: Int) throws(VaultError) -> SecretKey {
        let found = state.withLock { ($0.keys[epoch], $0.epochs[epoch]) }
        if let key = found.0 { return key }
        if let destroyed = found.1?.destroyedAt {
            throw VaultError(
                .keyDestroyed,
                "key epoch \(epoch) was destroyed on \(Timestamp.iso8601(destroyed)) (backups expire backup_days after an erasure); what it wrapped can no longer be read"
            )
        }
        throw VaultError(
            .keyMissing,
            "key epoch \(epoch) is not in '\(directory.epochsPath)': this data was written with another key directory, or the key directory is an old copy; use the device's current key directory"
        )
    }

    /// Throws unless `epoch`'s key exists and its deadline has not passed (a backup
    /// that needs it is expired even before the sweep destroys it).
    func requireUsable(epoch: Int, at now: Double) throws(VaultError) {
        _ = try key(forEpoch: epoch)
        if epoch != currentEpoch, let deadline = state.withLock({ $0.epochs[epoch]?.destroyAfter }), deadline <= now {
            throw VaultError(
                .keyDestroyed,
                "key epoch \(epoch) expired on \(Timestamp.iso8601(deadline)) (backups expire backup_days after an erasure) and is destroyed at the next sweep"
            )
        }
    }

    /// The current epoch and its key, for wrapping.
    func currentKey() throws(VaultError) -> (epoch: Int, key: SecretKey) {
        let epoch = currentEpoch
        return (epoch, try key(forEpoch: epoch))
    }

    /// Makes sure an epoch newer than the root exists (first write on a device).
    func ensureEpoch(now: Double) throws {
        guard currentEpoch == 0 else { return }
        _ = try beginEpoch(now: now)
    }

    /// Records that an erasure happened at `time` under the current epoch: its key
    /// (and every older one's) must be gone `retention` seconds later.
    func noteErasure(at time: Double, retention: Double) throws {
        let changed = state.withLock { state -> Bool in
            var changed = false
            for number in state.epochs.keys where number != 0 && number <= state.current {
                guard var epoch = state.epochs[number], epoch.destroyedAt == nil else { continue }
                let deadline = min(epoch.destroyAfter ?? .infinity, time + retention)
                if deadline != epoch.destroyAfter {
                    epoch.destroyAfter = deadline
                    state.epochs[number] = epoch
                    changed = true
                }
            }
            return changed
        }
        if changed { try save() }
    }

    /// Whether the current epoch has an erasure deadline and must be replaced.
    var currentIsRetiring: Bool {
        state.withLock { $0.current == 0 || $0.epochs[$0.current]?.destroyAfter != nil }
    }

    /// Starts a new epoch with a fresh random key; the previous one is retired.
    /// Durable before it returns: nothing is wrapped under a key that is not on disk.
    func beginEpoch(now: Double) throws -> Int {
        let key = SecretKey.random()
        let number = state.withLock { state -> Int in
            let number = (state.epochs.keys.max() ?? 0) + 1
            if var previous = state.epochs[state.current], state.current != 0 {
                previous.retiredAt = now
                state.epochs[state.current] = previous
            }
            state.epochs[number] = Epoch(number: number, createdAt: now)
            state.sealed[number] = SealedBox.seal(
                UnsafeRawBufferPointer(key.storage.bytes), key: root, associatedData: Self.associatedData(number))
            state.keys[number] = key
            state.current = number
            return number
        }
        try save()
        return number
    }

    /// Destroys the keys of retired epochs whose deadline has passed and that no
    /// stored subject uses any more (`inUse`). Returns the epochs destroyed.
    func destroyDue(now: Double, inUse: Set<Int>) throws -> [Int] {
        let destroyed = state.withLock { state -> [Int] in
            var destroyed: [Int] = []
            for (number, epoch) in state.epochs where number != 0 && number != state.current && epoch.destroyedAt == nil {
                guard let deadline = epoch.destroyAfter, deadline <= now, !inUse.contains(number) else { continue }
                var gone = epoch
                gone.destroyedAt = now
                state.epochs[number] = gone
                state.sealed[number] = nil
                state.keys[number] = nil  // SecureBuffer zeroes the key when freed
                destroyed.append(number)
            }
            return destroyed.sorted()
        }
        if !destroyed.isEmpty { try save() }
        return destroyed
    }

    // MARK: The epochs file

    static func associatedData(_ epoch: Int) -> [UInt8] { Array("facegate/kek-epoch/v1|\(epoch)".utf8) }

    private func save() throws {
        let text = state.withLock { state -> String in
            let epochs: [JSONValue] = state.epochs.keys.sorted().filter { $0 != 0 }.map { number in
                let epoch = state.epochs[number]!
                return [
                    "epoch": .int(number), "created_at": .string(Timestamp.iso8601(epoch.createdAt)),
                    "retired_at": .string(epoch.retiredAt.map(Timestamp.iso8601)),
                    "destroy_after": .string(epoch.destroyAfter.map(Timestamp.iso8601)),
                    "destroyed_at": .string(epoch.destroyedAt.map(Timestamp.iso8601)),
                    "sealed_key": .string(state.sealed[number].map(Hex.encode)),
                ]
            }
            let document: JSONValue = [
                "format": "facegate-kek-epochs", "version": 1, "current": .int(state.current), "epochs": .array(epochs),
            ]
            return document.serialized + "\n"
        }
        var bytes = text
        try bytes.withUTF8 { try FileSystem.writeReplacing(directory.epochsPath, bytes: UnsafeRawBufferPointer($0), mode: 0o600) }
    }

    private static func parse(_ bytes: [UInt8], path: String, root: SecretKey, into state: inout State) throws {
        let damaged = { (why: String) in
            VaultError(.keyInvalid, "'\(path)' is damaged (\(why)); restore the key directory from its backup")
        }
        guard let document = try? JSONParser.parse(String(decoding: bytes, as: UTF8.self)),
            document["format"]?.stringValue == "facegate-kek-epochs", let current = document["current"]?.intValue,
            let list = document["epochs"]?.arrayValue
        else { throw damaged("not a key-epochs file") }
        for item in list {
            guard let number = item["epoch"]?.intValue, number > 0,
                let created = item["created_at"]?.stringValue.flatMap(Timestamp.parse)
            else { throw damaged("an epoch without a number or creation time") }
            let epoch = Epoch(
                number: number, createdAt: created, retiredAt: item["retired_at"]?.stringValue.flatMap(Timestamp.parse),
                destroyAfter: item["destroy_after"]?.stringValue.flatMap(Timestamp.parse),
                destroyedAt: item["destroyed_at"]?.stringValue.flatMap(Timestamp.parse))
            state.epochs[number] = epoch
            guard epoch.destroyedAt == nil else { continue }
            guard let sealed = item["sealed_key"]?.stringValue.flatMap(Hex.decode) else { throw damaged("epoch \(number) has no key") }
            let storage = SecureBuffer(count: SecretKey.byteCount)
            guard SealedBox.open(sealed, key: root, associatedData: associatedData(number), into: storage.bytes) else {
                throw VaultError(
                    .wrongKey,
                    "the key-encryption key does not open epoch \(number) in '\(path)': the kek (or facegate-kek credential) and this key directory do not belong together; nothing was changed"
                )
            }
            state.sealed[number] = sealed
            state.keys[number] = SecretKey(storage: storage)
        }
        guard state.epochs[current] != nil, state.keys[current] != nil else { throw damaged("the current epoch \(current) is missing") }
        state.current = current
    }
}
