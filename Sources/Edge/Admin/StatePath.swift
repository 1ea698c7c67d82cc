#if canImport(Glibc)
    import Glibc
#endif

/// Comparing state directories as the file system sees them (a symlink, a trailing
/// slash or `..` do not make another appliance).
enum StatePath {
    static func same(_ a: String, _ b: String) -> Bool {
        canonical(a) == canonical(b)
    }

    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
