import FacegateCore
import Foundation
import Synchronization
public import Vault

/// The fleet's key epochs as this door holds them: the keys that wrap each hub copy's
/// own key (`fleet_copy_key`), so that a backup of the hub expires as the device's
/// backups do.
///
/// Epoch `n + 1`'s key is computed from epoch `n`'s (`SecretKey.next`, one way): a door
/// moves to the hub's newest epoch without any key crossing the network, and a door
/// that destroyed epoch `n` keeps no way back to it. An erasure anywhere in the fleet
/// begins a new epoch; every door re-wraps the copy keys under it and, `backup_days`
/// after the erasure, destroys every older epoch's key. A hub backup taken before the
/// erasure holds copy keys wrapped under those epochs only: from then on no door can
/// open it. A new door gets the current epoch's key through its one-time join token
/// (`FleetAdministration`), never from the fleet key, which would open every epoch.
///
/// Stored in `keys/fleet-epochs` (0600, replaced atomically), each key sealed with the
/// fleet key so that the file alone opens nothing.
public final class FleetEpochs: @unchecked Sendable {
    /// What the door knows of one epoch.
    public struct Epoch: Sendable, Equatable {
        public var number: Int
        /// When an erasure made in this epoch or a later one requires it gone.
        public var destroyAfter: Double?
        /// Whether its key is still held.
        public var held: Bool
    }

    private struct State {
        var current: Int
        var keys: [Int: SecretKey]
        var deadlines: [Int: Double]
        var destroyed: Set<Int>
    }

    private struct File: Codable {
        struct Entry: Codable {
            var epoch: Int
            var sealed: Data?
            var destroyAfter: Double?
        }

        var fleet: String
        var current: Int
        var epochs: [Entry]
        /// False for a fleet made before epochs, whose first epoch is computed from the
        /// fleet key. A door holding random epochs never goes back to that on a hub's
        /// word.
        var random: Bool?
    }

    public let fleetID: String
    /// Whether the chain began from a random key (`fleet init` since version 4): then a
    /// hub that says the fleet has no epochs, or derives them from the fleet key, is not
    /// believed.
    public let random: Bool
    private let root: SecretKey
    private let directory: KeyDirectory
    private let state: Mutex<State>

    private init(fleetID: String, random: Bool, root: SecretKey, directory: KeyDirectory, state: State) {
        self.fleetID = fleetID
        self.random = random
        self.root = root
        self.directory = directory
        self.state = Mutex(state)
    }

    /// A door's first epoch key (from `fleet init`, or a join token), saved at once.
    public static func create(
        epoch: Int, key: SecretKey, fleetID: String, random: Bool = true, root: SecretKey, directory: KeyDirectory
    ) throws(FleetError) -> FleetEpochs {
        let epochs = FleetEpochs(
            fleetID: fleetID, random: random, root: root, directory: directory,
            state: State(current: epoch, keys: [epoch: key], deadlines: [:], destroyed: []))
        try epochs.save()
        return epochs
    }

    /// The epochs in `keys/fleet-epochs`, or nil when the door has none (it joined before
    /// epochs existed).
    public static func load(fleetID: String, root: SecretKey, directory: KeyDirectory) throws(FleetError) -> FleetEpochs? {
        let bytes: [UInt8]?
        do { bytes = try directory.readFleetEpochs() } catch { throw FleetError(.storageFailure, error.message) }
        guard let bytes else { return nil }
        let path = directory.fleetEpochsPath
        guard let file = try? JSONDecoder().decode(File.self, from: Data(bytes)), file.fleet == fleetID else {
            throw FleetError(
                .fleetState,
                "'\(path)' is damaged or belongs to another fleet: copy it from a door of the fleet \(fleetID) (mode 0600), or join again with a token"
            )
        }
        var state = State(current: file.current, keys: [:], deadlines: [:], destroyed: [])
        for entry in file.epochs {
            if let deadline = entry.destroyAfter { state.deadlines[entry.epoch] = deadline }
            guard let sealed = entry.sealed else {
                state.destroyed.insert(entry.epoch)
                continue
            }
            guard let key = SecretKey.opening([UInt8](sealed), with: root, associatedData: Self.fileBinding(fleetID, entry.epoch)) else {
                throw FleetError(
                    .fleetState,
                    "'\(path)' does not open with this door's fleet key: the two come from different fleets; copy both from one door")
            }
            state.keys[entry.epoch] = key
        }
        guard state.keys[state.current] != nil else {
            throw FleetError(.fleetState, "'\(path)' lacks the key of its current epoch \(file.current): copy it from a door of the fleet")
        }
        return FleetEpochs(fleetID: fleetID, random: file.random ?? true, root: root, directory: directory, state: state)
    }

    /// The first epoch of a fleet made before epochs existed: computed from the fleet key,
    /// the only secret its doors share. Such a fleet's hub backups stay readable to
    /// whoever holds the fleet key; a fleet made by `fleet init` since starts from a
    /// random key.
    public static func derivedFirstKey(root: SecretKey, fleetID: String) -> SecretKey {
        root.next(context: Array("facegate/fleet-epoch/v1|\(fleetID)|1|from-the-fleet-key".utf8))
    }

    private static func fileBinding(_ fleetID: String, _ epoch: Int) -> [UInt8] {
        Array("facegate/fleet-epochs-file/v1|\(fleetID)|\(epoch)".utf8)
    }

    private func copyKeyBinding(_ subject: String, _ epoch: Int) -> [UInt8] {
        Array("facegate/fleet-copy-key/v1|\(fleetID)|\(subject)|\(epoch)".utf8)
    }

    public var current: Int { state.withLock { $0.current } }

    /// Every epoch this door knows of, oldest first.
    public var epochs: [Epoch] {
        state.withLock { state in
            Set(state.keys.keys).union(state.destroyed).sorted().map {
                Epoch(number: $0, destroyAfter: state.deadlines[$0], held: state.keys[$0] != nil)
            }
        }
    }

    /// The current epoch's key sealed for a join token: the joining door starts there.
    public func sealedCurrent(forToken token: String) -> (epoch: Int, sealed: [UInt8]) {
        let tokenKey = Self.tokenKey(token, fleetID: fleetID, root: root)
        defer { tokenKey.wipe() }
        return state.withLock { state in
            (state.current, state.keys[state.current]!.sealed(with: tokenKey, associatedData: Self.tokenBinding(fleetID, state.current)))
        }
    }

    /// The epoch key a join token carries, or nil when it is not sealed for this token
    /// and fleet key.
    public static func openToken(_ sealed: [UInt8], epoch: Int, token: String, fleetID: String, root: SecretKey) -> SecretKey? {
        let tokenKey = tokenKey(token, fleetID: fleetID, root: root)
        defer { tokenKey.wipe() }
        return SecretKey.opening(sealed, with: tokenKey, associatedData: tokenBinding(fleetID, epoch))
    }

    /// The key a join token's epoch is sealed with: the token keyed with the fleet key, so
    /// that a token read or leaked with the hub's rows opens nothing without the fleet key.
    private static func tokenKey(_ token: String, fleetID: String, root: SecretKey) -> SecretKey {
        root.next(context: Array("facegate/fleet-join-epoch/v2|\(fleetID)|\(token)".utf8))
    }

    private static func tokenBinding(_ fleetID: String, _ epoch: Int) -> [UInt8] {
        Array("facegate/fleet-join-epoch/v1|\(fleetID)|\(epoch)".utf8)
    }

    /// Moves to `epoch` (the hub's newest), computing each key from the one before.
    /// Returns whether anything changed. Never backwards.
    public func advance(to epoch: Int) -> Bool {
        state.withLock { state in
            guard epoch > state.current, var key = state.keys[state.current] else { return false }
            for number in (state.current + 1)...epoch {
                key = key.next(context: Self.chainContext(fleetID, number))
                state.keys[number] = key
            }
            state.current = epoch
            return true
        }
    }

    /// Every epoch up to `epoch` must be destroyed by `deadline` (an erasure made in
    /// `epoch`, plus `backup_days`). Returns whether a deadline moved.
    public func require(destroyedBy deadline: Double, through epoch: Int) -> Bool {
        state.withLock { state in
            var changed = false
            for number in Set(state.keys.keys).union(state.destroyed) where number <= epoch {
                if deadline < state.deadlines[number] ?? .infinity {
                    state.deadlines[number] = deadline
                    changed = true
                }
            }
            return changed
        }
    }

    /// Destroys the key of every epoch before the current one whose deadline has passed.
    /// Returns the epochs destroyed.
    public func destroyExpired(now: Double) -> [Int] {
        state.withLock { state in
            let expired = state.keys.keys.filter { $0 < state.current && (state.deadlines[$0] ?? .infinity) <= now }.sorted()
            for number in expired {
                state.keys.removeValue(forKey: number)?.wipe()
                state.destroyed.insert(number)
            }
            return expired
        }
    }

    /// The copy key of `subject` wrapped under `epoch`, a later epoch than this door's
    /// (a door began it since this door's step): its key is computed on trial and the
    /// door moves there only when the value opens, so a row claiming a far epoch moves
    /// nothing. Returns whether the door moved.
    func unwrapAhead(_ wrapped: [UInt8], epoch: Int, subject: String, maxStep: Int) -> (key: SecretKey?, moved: Bool) {
        let trial: SecretKey? = state.withLock { state in
            guard epoch > state.current, epoch - state.current <= maxStep, var key = state.keys[state.current] else { return nil }
            for number in (state.current + 1)...epoch { key = key.next(context: Self.chainContext(fleetID, number)) }
            return key
        }
        guard let trial, let opened = SecretKey.opening(wrapped, with: trial, associatedData: copyKeyBinding(subject, epoch)) else {
            return (nil, false)
        }
        trial.wipe()
        return (opened, advance(to: epoch))
    }

    private static func chainContext(_ fleetID: String, _ number: Int) -> [UInt8] {
        Array("facegate/fleet-epoch/v1|\(fleetID)|\(number)".utf8)
    }

    /// `copyKey` wrapped under the current epoch for `subject`'s row.
    public func wrap(_ copyKey: SecretKey, subject: String) -> (epoch: Int, wrapped: [UInt8]) {
        state.withLock { state in
            (state.current, copyKey.sealed(with: state.keys[state.current]!, associatedData: copyKeyBinding(subject, state.current)))
        }
    }

    /// The copy key of `subject` wrapped under `epoch`, or nil when this door no longer
    /// holds that epoch (destroyed: what it wrapped is gone) or the value was not wrapped
    /// for this subject and epoch.
    public func unwrap(_ wrapped: [UInt8], epoch: Int, subject: String) -> SecretKey? {
        guard let key = state.withLock({ $0.keys[epoch] }) else { return nil }
        return SecretKey.opening(wrapped, with: key, associatedData: copyKeyBinding(subject, epoch))
    }

    /// Writes `keys/fleet-epochs`.
    public func save() throws(FleetError) {
        let file = state.withLock { state in
            File(
                fleet: fleetID, current: state.current,
                epochs: Set(state.keys.keys).union(state.destroyed).sorted().map { number in
                    File.Entry(
                        epoch: number,
                        sealed: state.keys[number].map { Data($0.sealed(with: root, associatedData: Self.fileBinding(fleetID, number))) },
                        destroyAfter: state.deadlines[number])
                }, random: random)
        }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try directory.writeFleetEpochs(Array(try encoder.encode(file)))
        } catch let error as VaultError {
            throw FleetError(.storageFailure, error.message)
        } catch {
            throw FleetError(.storageFailure, "cannot write '\(directory.fleetEpochsPath)': \(error)")
        }
    }
}
