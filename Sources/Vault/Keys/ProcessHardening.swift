internal import CLinuxSupport

#if canImport(Glibc)
    import Glibc
#endif

/// What the process does before it holds a key: no core dumps (a dump would write
/// keys and decrypted embeddings to disk) and no ptrace by other users.
public enum ProcessHardening {
    public static func disableCoreDumps() {
        var limit = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(Int32(RLIMIT_CORE.rawValue), &limit)
        _ = fg_linux_set_not_dumpable()
    }

    /// The current core-dump limit (0 once hardened).
    public static var coreDumpLimit: UInt64 {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_CORE.rawValue), &limit)
        return UInt64(limit.rlim_cur)
    }
}
