#if canImport(Glibc)
    import Glibc
#endif

/// A file of the state directory that only ever grows by whole lines, each on disk
/// (fsync'd) before `append` returns: the erasure journal and the audit file. Files
/// are created owner-only and symlinks are never followed.
public struct AppendOnlyFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// Appends `text` (whole lines, each ending in a newline) durably: all of it or,
    /// when the disk is full, none of it.
    public func append(_ text: String) throws {
        var text = text
        try text.withUTF8 { try FileSystem.appendLines(path, bytes: UnsafeRawBufferPointer($0), mode: 0o600) }
    }

    /// The file's bytes from `offset` to its end, and the offset of that end; an
    /// empty read when the file does not exist.
    public func read(from offset: Int = 0) throws -> (bytes: [UInt8], end: Int) {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return ([], 0) }
            throw VaultError(.storageFailure, "cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        if offset > 0 { lseek(fd, off_t(offset), SEEK_SET) }
        let bytes = try FileSystem.readToEnd(fd, path: path)
        return (bytes, offset + bytes.count)
    }

    /// The complete lines of the file (a last line cut short by a crash is left out).
    public func lines(from offset: Int = 0) throws -> (lines: [String], end: Int) {
        let (bytes, _) = try read(from: offset)
        guard let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) else { return ([], offset) }
        let complete = bytes[...lastNewline]
        let lines = complete.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        return (lines, offset + lastNewline + 1)
    }

    /// The file's last complete line (nil when it has none), read from its end: what the
    /// next appended line of a chained file must follow.
    public func lastLine() throws -> String? {
        var chunk = 4096
        while true {
            let size = self.size
            let start = max(0, size - chunk)
            let (bytes, _) = try read(from: start)
            guard let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) else { return nil }
            let complete = bytes[..<lastNewline]
            if let previous = complete.lastIndex(of: UInt8(ascii: "\n")) {
                return String(decoding: complete[(previous + 1)...], as: UTF8.self)
            }
            if start == 0 { return complete.isEmpty ? nil : String(decoding: complete, as: UTF8.self) }
            chunk *= 4
        }
    }

    /// The file's size in bytes (0 when it does not exist): a cheap way to notice
    /// that another process appended.
    public var size: Int {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        return Int(info.st_size)
    }

    public var exists: Bool { access(path, F_OK) == 0 }

    /// Replaces a small file of the state or key directory atomically (a new file,
    /// fsync'd, renamed over the old one): either the old content or the new.
    public static func replace(_ path: String, with text: String) throws {
        var text = text
        try text.withUTF8 { try FileSystem.writeReplacing(path, bytes: UnsafeRawBufferPointer($0), mode: 0o600) }
    }

    /// Moves the file aside (for a log whose history was replaced); returns the new path.
    public func archive(suffix: String) throws -> String {
        let target = path + "." + suffix
        guard rename(path, target) == 0 else {
            throw VaultError(.storageFailure, "cannot move '\(path)' to '\(target)': \(String(cString: strerror(errno)))")
        }
        try FileSystem.syncDirectory(FileSystem.directory(of: path))
        return target
    }
}
