import Foundation

/// A memory cgroup (v1, `/sys/fs/cgroup/memory`) of its own for a test's daemon: a
/// hard limit, as a 1 GiB board has, and the peak the processes in it reached. Made
/// only where the test runs as root with that hierarchy writable (`make test` on a
/// Debian box); `available` says why not otherwise. Removed when released.
public final class MemoryCgroup: @unchecked Sendable {
    public static let root = "/sys/fs/cgroup/memory"
    public let path: String

    /// Why a memory cgroup cannot be made here, or nil when it can.
    public static var unavailable: String? {
        guard getuid() == 0 else { return "the tests do not run as root" }
        guard access(root + "/cgroup.procs", W_OK) == 0 else { return "\(root) (cgroup v1's memory controller) is not writable" }
        return nil
    }

    /// A cgroup limited to `limitBytes`, or nil when none can be made.
    public init?(limitBytes: Int) {
        path = Self.root + "/facegate-test-" + UUID().uuidString.prefix(8)
        guard Self.unavailable == nil, mkdir(path, 0o755) == 0 else { return nil }
        guard (try? "\(limitBytes)".write(toFile: path + "/memory.limit_in_bytes", atomically: false, encoding: .utf8)) != nil else {
            rmdir(path)
            return nil
        }
    }

    /// Where a process writes its pid to join (`echo $$ > …` before it execs).
    public var procs: String { path + "/cgroup.procs" }

    /// The most memory the processes in it have held (page cache included), in bytes.
    public var peakBytes: Int { Int(read("memory.max_usage_in_bytes")) ?? 0 }

    /// How many processes the kernel killed for want of memory in it.
    public var oomKills: Int {
        read("memory.oom_control").split(separator: "\n").first { $0.hasPrefix("oom_kill ") }.flatMap { Int($0.split(separator: " ")[1]) }
            ?? 0
    }

    /// The command line that starts `executable ARGUMENTS` inside this cgroup.
    public func wrapping(_ executable: String, _ arguments: [String]) -> (String, [String]) {
        ("/bin/sh", ["-c", "echo $$ > '\(procs)' && exec \"$@\"", "sh", executable] + arguments)
    }

    private func read(_ file: String) -> String {
        ((try? String(contentsOfFile: path + "/" + file, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit {
        // The processes are gone by now (their test stopped them); a cgroup with none
        // left is removed with rmdir.
        for _ in 0..<50 where rmdir(path) != 0 { usleep(100_000) }
    }
}
