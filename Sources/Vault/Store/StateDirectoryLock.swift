#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock on the state directory, so that two daemons never
/// serve the same database and a backup is never restored under a running one.
/// The kernel drops the lock when the process dies, so a killed daemon leaves
/// nothing to clean up.
public final class StateDirectoryLock: @unchecked Sendable {
    private var descriptor: Int32

    /// Takes the lock or throws `inUse` at once (never waits).
    public init(location: VaultLocation, purpose: String) throws {
        let path = location.lockFile
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == ENOENT {
                throw VaultError(
                    .keyMissing,
                    "the state directory '\(location.stateDirectory)' does not exist; run `facegate keys init --state-dir \(location.stateDirectory)` on a new device, or pass the right --state-dir")
            }
            throw VaultError(.storageFailure, "cannot open the lock file '\(path)': \(String(cString: strerror(errno))); check that the state directory is writable")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            close(fd)
            if reason == EWOULDBLOCK {
                throw VaultError(
                    .inUse,
                    "another facegate process (a running `facegate run`) holds the state directory '\(location.stateDirectory)'; stop it (systemctl stop facegate) before you \(purpose)")
            }
            throw VaultError(.storageFailure, "cannot lock '\(path)': \(String(cString: strerror(reason)))")
        }
        descriptor = fd
    }

    /// Releases the lock (also released when the process exits).
    public func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
