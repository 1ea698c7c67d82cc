import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

/// The memory this process may use: the machine's RAM, or less when its memory cgroup
/// (a systemd `MemoryMax=`, a container) is limited. Read once, at the first use.
///
/// Why the face engine asks: MMOD's working memory is about 1.1 KB a pixel it scans
/// (measured: a `detect --detector cnn` process peaked at 631 MB at 0.5 megapixels,
/// 110 MB of it the process itself), so its pixel budget must fit the board, not the
/// machine the defaults were measured on.
public enum MachineMemory {
    /// Bytes this process may use (RAM, or its cgroup's limit when lower); nil when
    /// neither can be read.
    public static let availableBytes: Int? = {
        var limits: [Int] = []
        if let total = meminfo("MemTotal") { limits.append(total) }
        if let cgroup = cgroupLimit() { limits.append(cgroup) }
        return limits.min()
    }()

    /// `/proc/meminfo`'s value for `key`, in bytes.
    static func meminfo(_ key: String) -> Int? {
        guard let text = read("/proc/meminfo") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let kilobytes = Int(parts[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }

    /// The memory limit of this process's cgroup: v2's `memory.max`, else v1's
    /// `memory.limit_in_bytes`; nil when unlimited or unreadable.
    static func cgroupLimit() -> Int? {
        guard let membership = read("/proc/self/cgroup") else { return nil }
        for line in membership.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let path = String(fields[2])
            if fields[0] == "0", fields[1].isEmpty {
                if let text = read("/sys/fs/cgroup" + path + "/memory.max"), let limit = Int(text) { return limit }
            } else if fields[1].split(separator: ",").contains("memory") {
                // v1 reports "no limit" as a huge number (the largest page multiple).
                if let text = read("/sys/fs/cgroup/memory" + path + "/memory.limit_in_bytes"), let limit = Int(text), limit < 1 << 60 {
                    return limit
                }
            }
        }
        return nil
    }

    private static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var text = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            text += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return String(text.trimmingWhiteSpace)
    }
}
