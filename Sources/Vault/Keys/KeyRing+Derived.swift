internal import CSodium
import FacegateCore

extension KeyRing {
    /// A key derived from the root key for one use (`crypto_kdf`, an 8-character
    /// `context` naming the use), computed when needed and never stored: every door and
    /// every restore holding the same root key derives the same one, and a key of one
    /// use says nothing about another's. The caller wipes it (`storage.wipe()`) when done.
    func derivedKey(context: String) -> SecretKey {
        precondition(context.utf8.count == 8, "a crypto_kdf context is 8 bytes")
        Sodium.ensureReady()
        let subkey = SecretKey(storage: SecureBuffer(count: SecretKey.byteCount))
        let bytes: [CChar] = Array(context.utf8CString)
        _ = crypto_kdf_derive_from_key(
            subkey.storage.base.assumingMemoryBound(to: UInt8.self), SecretKey.byteCount, 1, bytes,
            root.storage.base.assumingMemoryBound(to: UInt8.self))
        return subkey
    }

    /// The key of the erasure journal's line checksums (`ErasureJournal`): whoever holds
    /// the key directory may append to its journal, nobody else.
    public var journalKey: SecretKey { derivedKey(context: "fgjrnl01") }
}
