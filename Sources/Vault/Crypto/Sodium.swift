internal import CSodium
import FacegateCore

/// libsodium set-up and the few primitives every other crypto file builds on. The
/// only place in Vault besides its siblings in Crypto/ that touches C pointers.
enum Sodium {
    private static let ready: Bool = sodium_init() >= 0

    static func ensureReady() {
        precondition(ready, "libsodium failed to initialise")
    }

    /// Fills `buffer` with cryptographically secure random bytes.
    static func randomFill(_ buffer: UnsafeMutableRawBufferPointer) {
        ensureReady()
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        randombytes_buf(base, buffer.count)
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { randomFill($0) }
        return bytes
    }

    /// Zeroes memory in a way the optimiser may not remove.
    static func wipe(_ pointer: UnsafeMutableRawPointer?, _ count: Int) {
        wipeMemory(pointer, count)
    }

    /// Constant-time comparison.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in sodium_memcmp(x.baseAddress!, y.baseAddress!, a.count) == 0 } }
    }
}

/// Bytes in libsodium's guarded heap: locked in RAM (never swapped), surrounded by
/// guard pages, zeroed when freed. For keys and decrypted embeddings.
public final class SecureBuffer: @unchecked Sendable {
    public let count: Int
    let base: UnsafeMutableRawPointer

    /// `count` zeroed bytes. Traps if memory is exhausted: nothing sensible can
    /// continue without room for a key.
    public init(count: Int) {
        Sodium.ensureReady()
        precondition(count >= 0)
        guard let pointer = sodium_malloc(max(count, 1)) else {
            fatalError("sodium_malloc(\(count)) failed: out of memory")
        }
        base = pointer
        self.count = count
        sodium_memzero(base, max(count, 1))
    }

    /// A secure copy of `bytes`.
    public convenience init(copying bytes: UnsafeRawBufferPointer) {
        self.init(count: bytes.count)
        if let source = bytes.baseAddress, bytes.count > 0 { base.copyMemory(from: source, byteCount: bytes.count) }
    }

    deinit { sodium_free(base) }

    public var bytes: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: base, count: count) }

    public func wipe() { sodium_memzero(base, count) }
}
