import FacegateCore
#if canImport(Glibc)
import Glibc
#endif

/// An append-only file, beside the database, of every subject ever erased.
///
/// An erasure is written here (and fsync'd) before the database is touched, so an
/// erasure cut short by a crash is finished at the next open; and because the file
/// lives outside the database, restoring an old backup cannot bring an erased
/// subject back: every open replays the whole journal. It holds pseudonyms and
/// times only.
struct ErasureJournal: Sendable {
    let path: String

    /// Records that `subject` is being erased. Returns once the line is on disk.
    func append(_ subject: SubjectID, at time: Double) throws {
        let line = JSONValue.object(["subject": .string(subject.rawValue), "at": .string(Timestamp.iso8601(time))]).serialized + "\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw VaultError(.storageFailure, "cannot open the erasure journal '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var text = line
        try text.withUTF8 { bytes in
            try FileSystem.writeAll(fd, UnsafeRawBufferPointer(bytes), path: path)
        }
        guard fsync(fd) == 0 else {
            throw VaultError(.storageFailure, "cannot flush the erasure journal '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    /// Every subject in the journal. A last line cut short by a crash is ignored:
    /// its erasure had not started.
    func subjects() throws(VaultError) -> [SubjectID] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return [] }
            throw VaultError(.storageFailure, "cannot read the erasure journal '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            data += chunk[0..<n]
        }
        var result: [SubjectID] = []
        for line in data.split(separator: UInt8(ascii: "\n")) {
            let text = String(decoding: line, as: UTF8.self)
            // {"subject":"<32 hex>","at":"…"}
            guard text.hasPrefix("{\"subject\":\""), text.hasSuffix("}") else { continue }
            let start = text.index(text.startIndex, offsetBy: 12)
            guard let end = text.index(start, offsetBy: 32, limitedBy: text.endIndex),
                let id = SubjectID(String(text[start..<end]))
            else { continue }
            result.append(id)
        }
        return result
    }
}
