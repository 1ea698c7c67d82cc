import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

/// The one-writer rule of a state directory: an exclusive advisory lock on the
/// state directory itself, held by `facegate run` for as long as it serves the
/// database and by any other command that writes, for its whole run. (On the
/// directory, not on a file in it: a lock file can be deleted by someone cleaning up
/// a "stale lock", and the next command would lock a new file beside the daemon.)
///
/// The holder writes who it is (`daemon PID`, and its socket, or `command PID`) into
/// `facegate.lock`, so a command that finds the lock taken knows at once whether a
/// daemon runs (it must then go through the daemon's socket, never beside it) or
/// another command is finishing (it waits for it). The kernel drops the lock when the
/// process dies, so a killed daemon leaves nothing to clean up.
public final class StateDirectoryLock: @unchecked Sendable {
    /// Who holds the lock.
    public enum Holder: String, Sendable {
        case daemon, command
    }

    public let location: VaultLocation
    public let holder: Holder
    private var descriptor: Int32

    /// Takes the lock. A daemon holding it fails at once with `inUse` (its message
    /// says what to do: by default, stop the daemon before you `purpose`); another
    /// command holding it is waited for up to `waitSeconds`.
    public init(location: VaultLocation, holder: Holder, purpose: String, whenDaemonRuns advice: String? = nil, waitSeconds: Double = 60)
        throws
    {
        self.location = location
        self.holder = holder
        let path = location.stateDirectory
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT {
                throw VaultError(
                    .keyMissing,
                    "the state directory '\(location.stateDirectory)' does not exist; run `facegate keys init --state-dir \(location.stateDirectory)` on a new device, or pass the right --state-dir"
                )
            }
            throw VaultError(.storageFailure, "cannot open the state directory '\(path)': \(String(cString: strerror(errno)))")
        }
        let deadline = Timestamp.now() + waitSeconds
        var unknownSince: Double?
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let reason = errno
            guard reason == EWOULDBLOCK || reason == EINTR else {
                close(fd)
                throw VaultError(.storageFailure, "cannot lock '\(path)': \(String(cString: strerror(reason)))")
            }
            let owner = Self.owner(location)
            if owner?.holder == .daemon {
                close(fd)
                throw Self.daemonRuns(
                    location: location, pid: owner?.pid, advice: advice ?? "stop it (systemctl stop facegate) before you \(purpose)")
            }
            // The holder writes who it is right after taking the lock: a holder that
            // stays unknown had its lock file deleted (a daemon, most likely).
            if owner == nil {
                unknownSince = unknownSince ?? Timestamp.now()
                if Timestamp.now() - (unknownSince ?? 0) > 2 {
                    close(fd)
                    throw VaultError(
                        .inUse,
                        "another facegate process holds the state directory '\(location.stateDirectory)', and its lock file '\(location.lockFile)' was deleted; if it is the daemon (systemctl status facegate), go through it or stop it. Nothing was done"
                    )
                }
            } else {
                unknownSince = nil
            }
            guard Timestamp.now() < deadline else {
                close(fd)
                throw VaultError(
                    .inUse,
                    "another facegate command\(owner.map { " (pid \($0.pid))" } ?? "") has held the state directory '\(location.stateDirectory)' for over \(Int(waitSeconds)) s; wait for it to finish, then retry"
                )
            }
            usleep(20_000)
        }
        descriptor = fd
        record(nil)
    }

    /// Writes who holds the lock, and (for a daemon) the admin socket it listens on,
    /// so that commands find it without a flag.
    public func record(socket: String?) {
        record(socket)
    }

    private func record(_ socket: String?) {
        guard descriptor >= 0 else { return }
        var text = "\(holder.rawValue) \(getpid())\n"
        if let socket { text += "socket \(socket)\n" }
        let fd = open(location.lockFile, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    /// The error for "a daemon serves this state directory".
    static func daemonRuns(location: VaultLocation, pid: Int32?, advice: String) -> VaultError {
        VaultError(
            .inUse,
            "a running `facegate run`\(pid.map { " (pid \($0))" } ?? "") holds the state directory '\(location.stateDirectory)'; \(advice)")
    }

    /// Who holds the lock of `location` now (nil when nobody does, or when this user
    /// cannot read the state directory), without taking it.
    public static func currentHolder(of location: VaultLocation) -> Owner? {
        let fd = open(location.stateDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        return owner(location) ?? Owner(holder: .command, pid: 0, socket: nil)
    }

    /// What the lock file says about its holder.
    public struct Owner: Sendable, Equatable {
        public var holder: Holder
        public var pid: Int32
        /// The admin socket a daemon listens on.
        public var socket: String?
    }

    private static func owner(_ location: VaultLocation) -> Owner? {
        let fd = open(location.lockFile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        let lines = String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n").map(String.init)
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count >= 2, let holder = Holder(rawValue: String(parts[0])), let pid = Int32(parts[1]) else { return nil }
        let socket = lines.dropFirst().first { $0.hasPrefix("socket ") }.map { String($0.dropFirst(7)) }
        return Owner(holder: holder, pid: pid, socket: socket)
    }

    /// Releases the lock (also released when the process exits).
    public func release() {
        guard descriptor >= 0 else { return }
        let info = open(location.lockFile, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
        if info >= 0 {
            _ = ftruncate(info, 0)
            close(info)
        }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
