#if canImport(Glibc)
    import Glibc
#endif

/// Named points in multi-step writes where a test can make the process die with
/// SIGKILL, to prove that recovery works from exactly there.
///
/// Armed only by the environment variable `FACEGATE_CRASH_AT=<name>`, which nothing
/// but the crash tests sets; unarmed, a crash point is one string comparison.
public enum CrashPoint {
    private static let armed: String? = {
        guard let value = getenv("FACEGATE_CRASH_AT") else { return nil }
        return String(cString: value)
    }()

    /// Kills the process with SIGKILL if `name` is the armed crash point.
    public static func hit(_ name: String) {
        guard let armed, armed == name else { return }
        kill(getpid(), SIGKILL)
        // SIGKILL cannot be caught; this line is never reached.
        while true { pause() }
    }
}
