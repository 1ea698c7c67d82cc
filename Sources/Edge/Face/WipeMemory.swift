#if canImport(Glibc)
import Glibc
#endif

/// Overwrites `count` bytes with zeros in a way the optimiser may not remove.
@inline(__always)
func wipeMemory(_ pointer: UnsafeMutableRawPointer?, _ count: Int) {
    guard let pointer, count > 0 else { return }
    explicit_bzero(pointer, count)
}
