import FacegateCore
import GRDB
import FoundationEssentials
import Logging
#if canImport(Glibc)
import Glibc
#endif

extension VaultStore {
    /// Writes a consistent copy of the database (ciphertext only) to `destination`
    /// with SQLite's backup API. Refuses to overwrite a file.
    public func backup(to destination: String) throws {
        guard access(destination, F_OK) != 0 else {
            throw VaultError(.invalidArgument, "'\(destination)' already exists; backups never overwrite a file")
        }
        do {
            let target = try DatabaseQueue(path: destination, configuration: VaultDatabase.configuration())
            try database.backup(to: target)
            try target.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
            try target.close()
        } catch {
            unlink(destination)
            throw VaultDatabase.translate(error, path: destination)
        }
    }

    /// Replaces the database at `path` with the backup at `source`. The caller must
    /// make sure no other process uses the database. The erasure journal is not
    /// touched: the next `open` replays it, so subjects erased after the backup was
    /// taken are erased again before the store is served.
    public static func restore(from source: String, to path: String, kek: SecretKey) throws {
        guard access(source, R_OK) == 0 else {
            throw VaultError(.invalidArgument, "cannot read the backup '\(source)'")
        }
        // Refuse a backup this KEK cannot open before anything is replaced.
        let backup = try VaultDatabase.openQueue(path: source)
        let check = try? backup.read { db in try Data.fetchOne(db, sql: "SELECT value FROM vault_meta WHERE key = 'kek_check'") }
        guard let sealed = check ?? nil,
            SealedBox.open([UInt8](sealed), key: kek, associatedData: AssociatedData.kekCheck) != nil
        else {
            throw VaultError(.wrongKey, "the backup '\(source)' is not a facegate vault this device's key opens; nothing was changed")
        }
        do {
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
