public import FacegateCore
import GRDB
import FoundationEssentials
import Logging

extension VaultStore {
    /// What one key maintenance did.
    public struct KeyMaintenance: Sendable, Equatable {
        /// The epoch begun, when the current one had an erasure deadline.
        public var begunEpoch: Int?
        /// Subjects whose data key was re-wrapped under the current epoch.
        public var rewrapped: Int
        /// Epochs whose key was destroyed (their deadline passed).
        public var destroyedEpochs: [Int]

        public var json: JSONValue {
            ["begun_epoch": begunEpoch.map(JSONValue.int) ?? .null, "rewrapped_subjects": .int(rewrapped),
             "destroyed_epochs": .array(destroyedEpochs.map(JSONValue.int))]
        }
    }

    /// Keeps backups expiring: when an erasure gave the current key epoch a
    /// deadline, begins a new epoch; re-wraps every subject not yet under the current
    /// epoch (after that, or after a restore), in one transaction; then destroys the
    /// keys of epochs whose deadline passed. Run at every open and every retention
    /// sweep.
    public func maintainKeys() throws -> KeyMaintenance {
        let now = clock.now()
        // Every epoch a stored subject needs must be in the ring before anything
        // changes: a lost or old `kek-epochs` is reported, not papered over with a
        // new epoch.
        for epoch in try read({ db in try Int.fetchAll(db, sql: "SELECT DISTINCT kek_epoch FROM subject") }) {
            _ = try keys.key(forEpoch: epoch)
        }
        var begun: Int?
        if keys.currentIsRetiring { begun = try keys.beginEpoch(now: now) }
        let rewrapped = try rewrapToCurrentEpoch()
        if rewrapped > 0 { try truncateWAL() }
        let inUse = try read { db in Set(try Int.fetchAll(db, sql: "SELECT DISTINCT kek_epoch FROM subject")) }
        let destroyed = try keys.destroyDue(now: now, inUse: inUse)
        if begun != nil || rewrapped > 0 || !destroyed.isEmpty {
            logger.notice(
                "key epochs maintained",
                metadata: ["vault.epoch": "\(keys.currentEpoch)", "vault.rewrapped": "\(rewrapped)", "vault.destroyed_epochs": "\(destroyed)"])
        }
        return KeyMaintenance(begunEpoch: begun, rewrapped: rewrapped, destroyedEpochs: destroyed)
    }

    private func rewrapToCurrentEpoch() throws -> Int {
        let current = try keys.currentKey()
        let scratch = SecureBuffer(count: SecretKey.byteCount)
        let dataKey = SecretKey(storage: scratch)
        defer { scratch.wipe() }
        return try write { db -> Int in
            let rows = try Row.fetchCursor(db, sql: "SELECT id, wrapped_key, kek_epoch FROM subject WHERE kek_epoch != ?", arguments: [current.epoch])
            let update = try db.makeStatement(sql: "UPDATE subject SET wrapped_key = ?, kek_epoch = ? WHERE id = ?")
            var count = 0
            var pending: [(String, [UInt8])] = []
            while let row = try rows.next() {
                let subject = SubjectID(unchecked: row["id"])
                let wrapped = [UInt8](row["wrapped_key"] as Data)
                guard SealedBox.open(wrapped, key: try keys.key(forEpoch: row["kek_epoch"]), associatedData: AssociatedData.wrappedKey(subject), into: scratch.bytes) else {
                    throw VaultError(
                        .integrityFailure,
                        "the wrapped key of subject \(subject) failed authentication while moving it to key epoch \(current.epoch); nothing was changed. Erase the subject or restore a backup",
                        affectedSubjects: [subject.rawValue])
                }
                pending.append((subject.rawValue, SealedBox.seal(UnsafeRawBufferPointer(dataKey.storage.bytes), key: current.key, associatedData: AssociatedData.wrappedKey(subject))))
                count += 1
            }
            for (id, rewrapped) in pending {
                try update.execute(arguments: [Data(rewrapped), current.epoch, id])
            }
            return count
        }
    }
}
