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

    /// The memory limit of this process's cgroup and its ancestors (a systemd slice
    /// limits everything under it): v2's `memory.max` up the tree, else v1's
    /// `hierarchical_memory_limit`; nil when unlimited or unreadable.
    static func cgroupLimit() -> Int? {
        guard let membership = read("/proc/self/cgroup") else { return nil }
        var limits: [Int] = []
        for line in membership.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            var path = String(fields[2])
            if fields[0] == "0", fields[1].isEmpty {
                while true {
                    if let text = read("/sys/fs/cgroup" + path + "/memory.max"), let limit = Int(text) { limits.append(limit) }
                    guard path != "/", let slash = path.lastIndex(of: "/") else { break }
                    path = slash == path.startIndex ? "/" : String(path[..<slash])
                }
            } else if fields[1].split(separator: ",").contains("memory"), let stat = read("/sys/fs/cgroup/memory" + path + "/memory.stat") {
                // v1 reports "no limit" as a huge number (the largest page multiple).
                for entry in stat.split(separator: "\n") where entry.hasPrefix("hierarchical_memory_limit ") {
                    if let limit = Int(entry.split(separator: " ")[1]), limit < 1 << 60 { limits.append(limit) }
                }
            }
        }
        return limits.min()
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
