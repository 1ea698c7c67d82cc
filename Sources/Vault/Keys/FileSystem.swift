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

    /// Replaces `path` atomically with `bytes`: a new file next to it, fsync'd, then
    /// renamed over the old one and the directory fsync'd. A crash leaves either the
    /// old content or the new, never a mix. Symlinks are not followed.
    static func writeReplacing(_ path: String, bytes: UnsafeRawBufferPointer, mode: mode_t) throws(VaultError) {
        let temporary = path + ".new"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw VaultError(.storageFailure, "cannot create '\(temporary)': \(String(cString: strerror(errno)))")
        }
        do throws(VaultError) {
            try writeAll(fd, bytes, path: temporary)
            guard fsync(fd) == 0 else {
                throw VaultError(.storageFailure, "cannot flush '\(temporary)' to disk: \(String(cString: strerror(errno)))")
            }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw VaultError(.storageFailure, "cannot replace '\(path)': \(reason)")
        }
        try syncDirectory(directory(of: path))
    }

    /// The directory part of a path ("." for a bare name).
    static func directory(of path: String) -> String {
        let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return parent.isEmpty ? (path.hasPrefix("/") ? "/" : ".") : parent
    }

    /// The whole content of a file, or nil when it does not exist.
    static func readAll(_ path: String) throws(VaultError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw VaultError(.storageFailure, "cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        return try readToEnd(fd, path: path)
    }

    /// Reads from `fd`'s current offset to its end.
    static func readToEnd(_ fd: Int32, path: String) throws(VaultError) -> [UInt8] {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw VaultError(.storageFailure, "cannot read '\(path)': \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            data += chunk[0..<n]
        }
        return data
    }

    /// Appends bytes to a file (created with `mode` if missing) and fsyncs it.
    /// Appends whole lines. A write cut short (a full disk) is undone, so the file
    /// never keeps half a line; and a half line left by a crash (power lost mid-write)
    /// is cut off first, so the new line is never glued onto it: what was being
    /// written when the power went had not happened, as the readers already assume.
    static func appendLines(_ path: String, bytes: UnsafeRawBufferPointer, mode: mode_t) throws(VaultError) {
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw VaultError(.storageFailure, "cannot open '\(path)' to append: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw VaultError(.storageFailure, "cannot stat '\(path)': \(String(cString: strerror(errno)))")
        }
        var size = info.st_size
        var last: UInt8 = 10
        if size > 0 { _ = pread(fd, &last, 1, size - 1) }
        if last != 10 {
            size = endOfLastLine(fd, size: size)
            guard ftruncate(fd, size) == 0 else {
                throw VaultError(.storageFailure, "cannot cut the unfinished last line of '\(path)': \(String(cString: strerror(errno)))")
            }
        }
        do throws(VaultError) {
            try writeAll(fd, bytes, path: path)
            guard fsync(fd) == 0 else {
                throw VaultError(.storageFailure, "cannot flush '\(path)' to disk: \(String(cString: strerror(errno)))")
            }
        } catch {
            _ = ftruncate(fd, size)
            _ = fsync(fd)
            throw error
        }
    }

    /// The offset just past the last newline before `size` (0 when there is none).
    private static func endOfLastLine(_ fd: Int32, size: off_t) -> off_t {
        var end = size
        var chunk = [UInt8](repeating: 0, count: 4096)
        while end > 0 {
            let start = max(0, end - off_t(chunk.count))
            let n = pread(fd, &chunk, Int(end - start), start)
            guard n > 0 else { return 0 }
            if let newline = chunk[0..<n].lastIndex(of: 10) { return start + off_t(newline) + 1 }
            end = start
        }
        return 0
    }

    /// Removes a SQLite database's -wal and -shm files (after a backup copy is closed).
    static func removeSidecars(of database: String) {
        unlink(database + "-wal")
        unlink(database + "-shm")
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
