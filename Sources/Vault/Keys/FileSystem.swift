#if canImport(Glibc)
import Glibc
#endif

/// Small POSIX file operations with errors that name the path. Durable writes:
/// data and directory entries are fsync'd.
enum FileSystem {
    /// Bytes free for unprivileged writers on the filesystem holding `path` (or its
    /// directory, when the file does not exist yet); nil when it cannot be told.
    static func freeBytes(near path: String) -> UInt64? {
        var info = statvfs()
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        guard statvfs(path, &info) == 0 || statvfs(directory.isEmpty ? "." : directory, &info) == 0 else { return nil }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }

    static func makeDirectory(_ path: String, mode: mode_t) throws(VaultError) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw VaultError(.storageFailure, "'\(path)' exists and is not a directory")
            }
            return
        }
        // Create parents as needed.
        let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !parent.isEmpty && parent != path { try makeDirectory(parent, mode: 0o700) }
        guard mkdir(path, mode) == 0 || errno == EEXIST else {
            throw VaultError(.storageFailure, "cannot create the directory '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    /// Writes a file that must not exist yet, then fsyncs it.
    static func writeNew(_ path: String, bytes: UnsafeRawBufferPointer, mode: mode_t) throws(VaultError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw VaultError(errno == EEXIST ? .keysExist : .storageFailure, "cannot create '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        try writeAll(fd, bytes, path: path)
        guard fsync(fd) == 0 else {
            throw VaultError(.storageFailure, "cannot flush '\(path)' to disk: \(String(cString: strerror(errno)))")
        }
        _ = fchmod(fd, mode)
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(VaultError) {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                let reason = errno == ENOSPC ? "the disk is full" : String(cString: strerror(errno))
                throw VaultError(.storageFailure, "writing '\(path)' failed: \(reason)")
            }
            offset += n
        }
    }

    static func readExactly(_ path: String, into buffer: UnsafeMutableRawBufferPointer) throws(VaultError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw VaultError(.keyInvalid, "cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var offset = 0
        while offset < buffer.count {
            let n = read(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw VaultError(.keyInvalid, "'\(path)' is shorter than expected") }
            offset += n
        }
    }

    static func syncDirectory(_ path: String) throws(VaultError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = fsync(fd)
    }
}
