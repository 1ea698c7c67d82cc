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

    /// A key computed from a secret text (a one-time join token) and `context`, with
    /// BLAKE2b: the token's holder computes it, the hub (which keeps the token's SHA-256)
    /// cannot.
    public static func hashing(_ secret: [UInt8], context: [UInt8]) -> SecretKey {
        Sodium.ensureReady()
        let key = SecretKey(storage: SecureBuffer(count: byteCount))
        let message = context + [0] + secret
        _ = crypto_generichash(key.storage.base.assumingMemoryBound(to: UInt8.self), byteCount, message, UInt64(message.count), nil, 0)
        return key
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
