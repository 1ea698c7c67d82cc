public import FacegateCore
import FoundationEssentials
import GRDB
import Logging
import Synchronization

extension VaultStore {
    /// What one key maintenance did.
    public struct KeyMaintenance: Sendable, Equatable {
        /// The epoch begun, when the current one had an erasure deadline.
        public var begunEpoch: Int?
        /// Subjects whose data key was re-wrapped under the current epoch.
        public var rewrapped: Int
        /// Epochs whose key was destroyed (their deadline passed).
        public var destroyedEpochs: [Int]
        /// Subjects whose wrapped key did not open (altered or damaged): left as they
        /// are, so that everyone else goes on, and for a breach report. Their epoch
        /// is not destroyed while they are there: erase them.
        public var unreadable: [String] = []

        public var json: JSONValue {
            [
                "begun_epoch": begunEpoch.map(JSONValue.int) ?? .null, "rewrapped_subjects": .int(rewrapped),
                "destroyed_epochs": .array(destroyedEpochs.map(JSONValue.int)), "unreadable_subjects": .int(unreadable.count),
            ]
        }
    }

    /// Keeps backups expiring: when an erasure gave the current key epoch a
    /// deadline, begins a new epoch; re-wraps every subject not yet under the current
    /// epoch (after that, or after a restore), in one transaction; then destroys the
    /// keys of epochs whose deadline passed and that no subject uses. Run at every
    /// open and every retention sweep. One damaged subject does not stop it.
    public func maintainKeys() throws -> KeyMaintenance {
        let now = clock.now()
        // A lost `kek-epochs` (subjects under epochs the ring has never heard of,
        // while it holds none) is reported, not papered over with a new epoch 1.
        let used = try read { db in Set(try Int.fetchAll(db, sql: "SELECT DISTINCT kek_epoch FROM subject")) }
        if keys.epochs.count == 1, let lost = used.filter({ $0 > 0 }).min() {
            _ = try keys.key(forEpoch: lost)
        }
        var begun: Int?
        if keys.currentIsRetiring { begun = try keys.beginEpoch(now: now) }
        let (rewrapped, unreadable) = try rewrapToCurrentEpoch()
        if rewrapped > 0 { try truncateWAL() }
        let inUse = try read { db in Set(try Int.fetchAll(db, sql: "SELECT DISTINCT kek_epoch FROM subject")) }
        let destroyed = try keys.destroyDue(now: now, inUse: inUse)
        if begun != nil || rewrapped > 0 || !destroyed.isEmpty {
            logger.notice(
                "key epochs maintained",
                metadata: [
                    "vault.epoch": "\(keys.currentEpoch)", "vault.rewrapped": "\(rewrapped)", "vault.destroyed_epochs": "\(destroyed)",
                ])
        }
        if !unreadable.isEmpty {
            logger.error(
                "wrapped keys failed authentication and were left under their epoch",
                metadata: ["vault.unreadable_subjects": "\(unreadable.count)"])
        }
        let report = KeyMaintenance(begunEpoch: begun, rewrapped: rewrapped, destroyedEpochs: destroyed, unreadable: unreadable)
        lastKeyMaintenance.withLock { $0 = report }
        return report
    }

    private func rewrapToCurrentEpoch() throws -> (Int, [String]) {
        let current = try keys.currentKey()
        let scratch = SecureBuffer(count: SecretKey.byteCount)
        let dataKey = SecretKey(storage: scratch)
        defer { scratch.wipe() }
        return try write { db -> (Int, [String]) in
            let rows = try Row.fetchCursor(
                db, sql: "SELECT id, wrapped_key, kek_epoch FROM subject WHERE kek_epoch != ?", arguments: [current.epoch])
            let update = try db.makeStatement(sql: "UPDATE subject SET wrapped_key = ?, kek_epoch = ? WHERE id = ?")
            var pending: [(String, [UInt8])] = []
            var unreadable: [String] = []
            while let row = try rows.next() {
                let subject = SubjectID(unchecked: row["id"])
                let wrapped = [UInt8](row["wrapped_key"] as Data)
                guard let kek = try? keys.key(forEpoch: row["kek_epoch"]),
                    SealedBox.open(wrapped, key: kek, associatedData: AssociatedData.wrappedKey(subject), into: scratch.bytes)
                else {
                    unreadable.append(subject.rawValue)
                    continue
                }
                pending.append(
                    (
                        subject.rawValue,
                        SealedBox.seal(
                            UnsafeRawBufferPointer(dataKey.storage.bytes), key: current.key,
                            associatedData: AssociatedData.wrappedKey(subject))
                    ))
            }
            for (id, rewrapped) in pending {
                try update.execute(arguments: [Data(rewrapped), current.epoch, id])
            }
            return (pending.count, unreadable)
        }
    }
}
