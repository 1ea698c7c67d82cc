#if canImport(Glibc)
    import Glibc
#endif

/// Overwrites `count` bytes with zeros in a way the optimiser may not remove. Public so
/// that the face engine, the daemon and the vault share one definition.
public func wipeMemory(_ pointer: UnsafeMutableRawPointer?, _ count: Int) {
    guard let pointer, count > 0 else { return }
    explicit_bzero(pointer, count)
}
