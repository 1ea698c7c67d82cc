import FacegateCore
import FoundationEssentials
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

extension VaultStore {
    /// What a backup file holds, checked before anything is replaced.
    public struct BackupInfo: Sendable, Equatable {
        public var subjects: Int
        /// The key epochs its subjects' keys are wrapped under.
        public var epochs: [Int]
    }

    /// Writes a consistent copy of the database at `path` (ciphertext only, no keys)
    /// to `destination`, with SQLite's backup API over a read-only connection, so it
    /// may run beside the daemon. The destination is created owner-only and must not
    /// exist (a symlink planted there is refused, not followed).
    public static func backup(database path: String, to destination: String) throws {
        let fd = Glibc.open(destination, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = errno
            if reason == EEXIST {
                throw VaultError(.invalidArgument, "'\(destination)' already exists; backups never overwrite a file")
            }
            throw VaultError(.storageFailure, "cannot create the backup '\(destination)': \(String(cString: strerror(reason)))")
        }
        Glibc.close(fd)
        do {
            var configuration = VaultDatabase.configuration()
            configuration.readonly = true
            let source = try DatabaseQueue(path: path, configuration: configuration)
            let target = try DatabaseQueue(path: destination, configuration: VaultDatabase.configuration())
            try source.backup(to: target)
            try target.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
            try target.close()
            try source.close()
            FileSystem.removeSidecars(of: destination)
        } catch {
            unlink(destination)
            FileSystem.removeSidecars(of: destination)
            throw VaultDatabase.translate(error, path: destination)
        }
    }

    /// The key epochs a backup file's subjects are wrapped under (read-only, no key needed).
    public static func epochs(ofBackupAt path: String) throws -> [Int] {
        var configuration = VaultDatabase.configuration()
        configuration.readonly = true
        let queue = try VaultDatabase.openQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            guard try db.columns(in: "subject").contains(where: { $0.name == "kek_epoch" }) else { return [0] }
            return try Int.fetchAll(db, sql: "SELECT DISTINCT kek_epoch FROM subject ORDER BY 1")
        }
    }

    /// Checks that `source` is a vault this device's keys open, and that every key
    /// epoch it needs still exists: a backup older than `backup_days` after an
    /// erasure is refused here (`keyDestroyed`), before anything is replaced.
    public static func inspectBackup(at source: String, keys: KeyRing, now: Double) throws -> BackupInfo {
        var info = stat()
        guard stat(source, &info) == 0, access(source, R_OK) == 0 else {
            throw VaultError(.invalidArgument, "cannot read the backup '\(source)'; check the path")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw VaultError(.invalidArgument, "'\(source)' is not a regular file; a backup is a file `facegate backup` wrote")
        }
        var configuration = VaultDatabase.configuration()
        configuration.readonly = true
        let backup = try VaultDatabase.openQueue(path: source, configuration: configuration)
        defer { try? backup.close() }
        let check = try? backup.read { db in try Data.fetchOne(db, sql: "SELECT value FROM vault_meta WHERE key = 'kek_check'") }
        guard let sealed = check ?? nil, SealedBox.open([UInt8](sealed), key: keys.root, associatedData: AssociatedData.kekCheck) != nil
        else {
            throw VaultError(.wrongKey, "the backup '\(source)' is not a facegate vault this device's key opens; nothing was changed")
        }
        let (subjects, epochs) = try backup.read { db -> (Int, [Int]) in
            let hasEpochs = try db.columns(in: "subject").contains { $0.name == "kek_epoch" }
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subject") ?? 0
            let epochs = hasEpochs ? try Int.fetchAll(db, sql: "SELECT DISTINCT kek_epoch FROM subject ORDER BY 1") : (count > 0 ? [0] : [])
            return (count, epochs)
        }
        for epoch in epochs {
            do {
                try keys.requireUsable(epoch: epoch, at: now)
            } catch {
                throw VaultError(
                    error.code,
                    "the backup '\(source)' can no longer be restored: \(error.message). Nothing was changed; restore a more recent backup")
            }
        }
        return BackupInfo(subjects: subjects, epochs: epochs)
    }

    /// Replaces the database at `path` with the backup at `source` (SQLite's backup
    /// API, atomic for the destination). The caller holds the state directory's lock
    /// and opens the store afterwards, which replays the erasure journal.
    public static func replaceDatabase(at path: String, with source: String) throws {
        do {
            var configuration = VaultDatabase.configuration()
            configuration.readonly = true
            let backup = try DatabaseQueue(path: source, configuration: configuration)
            let live = try DatabaseQueue(path: path, configuration: VaultDatabase.configuration())
            try backup.backup(to: live)
            try live.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
            try live.close()
            try backup.close()
        } catch {
            throw VaultDatabase.translate(error, path: path)
        }
    }
}
