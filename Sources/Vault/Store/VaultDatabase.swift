import FacegateCore
import GRDB
import GRDBSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// Opening the SQLite file with the settings erasure depends on, the vault's schema,
/// and SQLite errors translated into messages a person can act on.
enum VaultDatabase {
    static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "facegate.vault"
        configuration.prepareDatabase { db in
            // FULL: a committed erasure survives a power cut. secure_delete: deleted
            // content is overwritten with zeros, not left in free pages.
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA secure_delete = ON")
            // Keep the -wal and -shm files when the last connection closes, so that a
            // later open on a full disk can still read (and recognise members) instead
            // of failing to create them. With a size limit set, SQLite truncates the
            // kept WAL to zero bytes at close (and erasure truncates it at once), so no
            // stale page images linger in it; the -shm holds only page numbers.
            try db.execute(sql: "PRAGMA journal_size_limit = 1048576")
            var persist: Int32 = 1
            sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_PERSIST_WAL, &persist)
        }
        return configuration
    }

    static func openQueue(path: String, configuration: Configuration = configuration()) throws -> DatabaseQueue {
        do {
            return try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw translate(error, path: path)
        }
    }

    static func migrate(_ queue: DatabaseQueue, path: String, extra: (inout DatabaseMigrator) -> Void) throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("vault.v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE vault_meta (
                        key TEXT PRIMARY KEY NOT NULL,
                        value BLOB NOT NULL
                    );
                    CREATE TABLE subject (
                        id TEXT PRIMARY KEY NOT NULL,
                        wrapped_key BLOB NOT NULL,
                        personal BLOB NOT NULL,
                        created_at REAL NOT NULL,
                        expires_at REAL NOT NULL
                    );
                    CREATE TABLE template (
                        id TEXT PRIMARY KEY NOT NULL,
                        subject_id TEXT NOT NULL REFERENCES subject(id) ON DELETE CASCADE,
                        schema_version INTEGER NOT NULL,
                        sealed BLOB NOT NULL,
                        created_at REAL NOT NULL
                    );
                    CREATE INDEX template_subject ON template(subject_id);
                    CREATE INDEX subject_expiry ON subject(expires_at);
                    """)
        }
        migrator.registerMigration("vault.v2.key-epochs") { db in
            // Which key epoch wraps each subject's data key (0: the root key, before
            // epochs existed). See KeyRing.
            try db.execute(sql: "ALTER TABLE subject ADD COLUMN kek_epoch INTEGER NOT NULL DEFAULT 0")
        }
        extra(&migrator)
        do {
            try migrator.migrate(queue)
        } catch {
            throw translate(error, path: path)
        }
    }

    /// A database that is missing or empty is not silently replaced by a new vault.
    static func requireExisting(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw VaultError(
                .noDatabase,
                "there is no database at '\(path)': run `facegate keys init` on a new device, or `facegate restore BACKUP` to bring one back"
            )
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw VaultError(.corruptDatabase, "'\(path)' is not a regular file; nothing was changed")
        }
        guard info.st_size > 0 else {
            throw VaultError(
                .corruptDatabase,
                "'\(path)' is empty (0 bytes): the database was lost or damaged; nothing was changed. Restore the latest backup with `facegate restore`"
            )
        }
    }

    static func diskFull(_ path: String) -> VaultError {
        VaultError(.storageFailure, "the disk holding '\(path)' is full; nothing was changed. Free space and retry")
    }

    /// A SQLite failure as a `VaultError` naming the file; other errors unchanged.
    static func translate(_ error: any Error, path: String) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return VaultError(
                .corruptDatabase,
                "'\(path)' is not a facegate database or is damaged (SQLite: \(error.message ?? "corrupt")); nothing was changed. Restore the latest backup with `facegate restore`"
            )
        case .SQLITE_FULL:
            return diskFull(path)
        case .SQLITE_IOERR where FileSystem.freeBytes(near: path).map({ $0 < 1 << 20 }) ?? false:
            // SQLite reports a failed -shm or -wal allocation as an I/O error.
            return diskFull(path)
        case .SQLITE_IOERR:
            return VaultError(
                .storageFailure, "an I/O error on '\(path)' (SQLite: \(error.message ?? "I/O error")); check the storage device")
        case .SQLITE_CANTOPEN:
            return VaultError(.storageFailure, "cannot open the database '\(path)'; check that its directory exists and is writable")
        case .SQLITE_READONLY:
            return VaultError(.storageFailure, "'\(path)' is read-only; check its permissions")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return VaultError(.storageFailure, "'\(path)' is locked by another process; stop it or use the admin socket")
        default:
            return error
        }
    }
}
