#if canImport(Glibc)
    import Glibc
#endif

/// Where the vault keeps its files inside the appliance's state directory.
public struct VaultLocation: Sendable, Equatable {
    public let stateDirectory: String

    public init(stateDirectory: String) {
        self.stateDirectory = stateDirectory
    }

    public var keys: KeyDirectory { KeyDirectory(path: stateDirectory + "/keys") }
    public var database: String { stateDirectory + "/facegate.sqlite" }
    /// Says who holds the state directory's lock (see `StateDirectoryLock`).
    public var lockFile: String { stateDirectory + "/facegate.lock" }
}

extension VaultLocation {
    /// Creates the state directory (and its parents) owner-only, if missing.
    public func createDirectory() throws {
        try FileSystem.makeDirectory(stateDirectory, mode: 0o700)
    }

    /// When root runs a command on a state directory that belongs to the service
    /// user, the files it creates (a -wal, the journal, the audit file, the epoch
    /// keys) would be root's, and the service could no longer write them: it would
    /// refuse to start. This gives every file of the state and key directories that
    /// root owns to the state directory's owner. Symlinks are left alone.
    public func giveFilesToOwner() {
        guard geteuid() == 0 else { return }
        var directory = stat()
        guard lstat(stateDirectory, &directory) == 0, directory.st_uid != 0 else { return }
        for folder in [stateDirectory, keys.path] {
            guard let handle = opendir(folder) else { continue }
            defer { closedir(handle) }
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard name != ".", name != ".." else { continue }
                let path = folder + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFLNK, info.st_uid == 0 else { continue }
                _ = lchown(path, directory.st_uid, directory.st_gid)
            }
        }
    }
}

extension VaultLocation {
    /// Replaces a small file of the state directory atomically (owner-only): another
    /// module's own state (the fleet's `fleet.json`), written the way the vault writes
    /// its key files, so that a crash leaves the old content or the new.
    public func replaceStateFile(_ name: String, with bytes: [UInt8]) throws {
        var failure: (any Error)?
        bytes.withUnsafeBytes { buffer in
            do {
                try FileSystem.writeReplacing(stateDirectory + "/" + name, bytes: buffer, mode: 0o600)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }
}
