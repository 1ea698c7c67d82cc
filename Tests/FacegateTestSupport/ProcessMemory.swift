import Foundation

/// A process's resident memory as the kernel counts it, for tests that look for a leak
/// in a daemon from outside: a number taken after a warm-up and again after much more
/// of the same work must not keep growing.
public enum ProcessMemory {
    /// `VmRSS` of the process in kB, or nil when it has gone.
    public static func residentKilobytes(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }
}
