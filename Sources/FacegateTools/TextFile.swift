#if canImport(Glibc)
    import Glibc
#endif

/// Whole-file text reads and writes for the evaluation's lists and results, with
/// errors that name the path and say what to do.
public enum TextFile {
    /// The largest list accepted: a million pairs are about 60 MB.
    static let maxBytes = 256 << 20

    public static func read(_ path: String) throws(EvaluationError) -> String {
        // Without blocking: a FIFO named as a list would wait for a writer for ever.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            if errno == ENOENT { throw EvaluationError(.fileNotFound, "'\(path)' does not exist; check the path") }
            throw EvaluationError(.unreadableFile, "cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw EvaluationError(.unreadableFile, "'\(path)' is not a regular file; pass a CSV file")
        }
        guard Int(info.st_size) <= maxBytes else {
            throw EvaluationError(.unreadableFile, "'\(path)' is \(info.st_size) bytes, over the \(maxBytes)-byte limit for a list")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw EvaluationError(.unreadableFile, "reading '\(path)' failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Creates or replaces the file at `path` with `text`.
    public static func write(_ text: String, to path: String) throws(EvaluationError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw EvaluationError(.writeFailed, "cannot create '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var text = text
        let failure: Int32? = text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return nil
        }
        if let failure {
            throw EvaluationError(.writeFailed, "writing '\(path)' failed: \(String(cString: strerror(failure)))")
        }
    }
}
