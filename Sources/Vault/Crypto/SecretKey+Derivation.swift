internal import CSodium

extension SecretKey {
    /// The key that follows this one in a one-way chain: BLAKE2b keyed with this key
    /// over `context`. Whoever holds a later key of the chain cannot compute an earlier
    /// one, so destroying a key destroys it for good even while the chain goes on (the
    /// fleet's key epochs, `FleetEpochs`).
    public func next(context: [UInt8]) -> SecretKey {
        Sodium.ensureReady()
        let next = SecretKey(storage: SecureBuffer(count: Self.byteCount))
        _ = crypto_generichash(
            next.storage.base.assumingMemoryBound(to: UInt8.self), Self.byteCount, context, UInt64(context.count),
            storage.base.assumingMemoryBound(to: UInt8.self), storage.count)
        return next
    }

    /// A key computed from this key and `other` together (BLAKE2b keyed with this key
    /// over `other`'s bytes and `context`): neither alone gives it. The fleet's copies are
    /// sealed with the fleet key mixed with each copy's own key, so that an epoch key
    /// without the fleet key opens nothing.
    public func mixed(with other: SecretKey, context: [UInt8]) -> SecretKey {
        Sodium.ensureReady()
        let mixed = SecretKey(storage: SecureBuffer(count: Self.byteCount))
        // The message (the other key, then the context) in secure memory, wiped with it.
        let message = SecureBuffer(count: other.storage.count + context.count)
        defer { message.wipe() }
        message.bytes.copyMemory(from: UnsafeRawBufferPointer(other.storage.bytes))
        context.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: message.bytes[other.storage.count...]).copyMemory(from: $0) }
        _ = crypto_generichash(
            mixed.storage.base.assumingMemoryBound(to: UInt8.self), Self.byteCount, message.base.assumingMemoryBound(to: UInt8.self),
            UInt64(message.count), storage.base.assumingMemoryBound(to: UInt8.self), storage.count)
        return mixed
    }

    /// This key sealed with `key` (XChaCha20-Poly1305), bound to `associatedData`.
    public func sealed(with key: SecretKey, associatedData: [UInt8]) -> [UInt8] {
        SealedBox.seal(UnsafeRawBufferPointer(storage.bytes), key: key, associatedData: associatedData)
    }

    /// The key `sealed` holds, or nil when it was not sealed with `key` for exactly
    /// `associatedData`.
    public static func opening(_ sealed: [UInt8], with key: SecretKey, associatedData: [UInt8]) -> SecretKey? {
        guard let opened = SealedBox.open(sealed, key: key, associatedData: associatedData) else { return nil }
        guard opened.count == byteCount else {
            opened.wipe()
            return nil
        }
        return SecretKey(storage: opened)
    }

    /// Zeroes the key in memory (it is unusable after).
    public func wipe() { storage.wipe() }
}
