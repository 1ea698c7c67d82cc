internal import CSodium

/// An Ed25519 key pair for signing audit checkpoints; the secret half lives in
/// secure memory.
public final class SigningKeyPair: @unchecked Sendable {
    public static let secretKeyBytes = Int(crypto_sign_SECRETKEYBYTES)
    public static let publicKeyBytes = Int(crypto_sign_PUBLICKEYBYTES)
    public static let signatureBytes = Int(crypto_sign_BYTES)

    let secret: SecureBuffer
    public let publicKey: [UInt8]

    public static func generate() -> SigningKeyPair {
        Sodium.ensureReady()
        let secret = SecureBuffer(count: secretKeyBytes)
        var publicKey = [UInt8](repeating: 0, count: publicKeyBytes)
        _ = crypto_sign_keypair(&publicKey, secret.base.assumingMemoryBound(to: UInt8.self))
        return SigningKeyPair(secret: secret, publicKey: publicKey)
    }

    /// The pair from libsodium's 64-byte secret key (which embeds the public key).
    public static func from(secretKey bytes: UnsafeRawBufferPointer) -> SigningKeyPair? {
        Sodium.ensureReady()
        guard bytes.count == secretKeyBytes else { return nil }
        let secret = SecureBuffer(copying: bytes)
        var publicKey = [UInt8](repeating: 0, count: publicKeyBytes)
        guard crypto_sign_ed25519_sk_to_pk(&publicKey, secret.base.assumingMemoryBound(to: UInt8.self)) == 0 else { return nil }
        // The embedded public key must be the one the seed gives.
        var seed = [UInt8](repeating: 0, count: Int(crypto_sign_SEEDBYTES))
        defer { Sodium.wipe(&seed, seed.count) }
        _ = crypto_sign_ed25519_sk_to_seed(&seed, secret.base.assumingMemoryBound(to: UInt8.self))
        var derivedPublic = [UInt8](repeating: 0, count: publicKeyBytes)
        let scratch = SecureBuffer(count: secretKeyBytes)
        _ = crypto_sign_seed_keypair(&derivedPublic, scratch.base.assumingMemoryBound(to: UInt8.self), seed)
        guard derivedPublic == publicKey else { return nil }
        return SigningKeyPair(secret: secret, publicKey: publicKey)
    }

    private init(secret: SecureBuffer, publicKey: [UInt8]) {
        self.secret = secret
        self.publicKey = publicKey
    }

    /// A detached signature of `message`.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: Self.signatureBytes)
        _ = crypto_sign_detached(&signature, nil, message, UInt64(message.count), secret.base.assumingMemoryBound(to: UInt8.self))
        return signature
    }

    /// The secret key bytes, for writing the key file once.
    func withSecretKeyBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(secret.bytes))
    }
}

/// Ed25519 verification, which needs nothing secret: the DPO runs it offline.
public enum SignatureVerifier {
    public static func isValid(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        Sodium.ensureReady()
        guard signature.count == SigningKeyPair.signatureBytes, publicKey.count == SigningKeyPair.publicKeyBytes else {
            return false
        }
        return crypto_sign_verify_detached(signature, message, UInt64(message.count), publicKey) == 0
    }
}

/// BLAKE2b (libsodium's generic hash), for the audit hash chain.
public enum Blake2b {
    public static func hash(_ message: [UInt8], outputBytes: Int = 32) -> [UInt8] {
        Sodium.ensureReady()
        var out = [UInt8](repeating: 0, count: outputBytes)
        _ = crypto_generichash(&out, outputBytes, message, UInt64(message.count), nil, 0)
        return out
    }

    /// BLAKE2b keyed with `key`: a digest only the key's holder can compute, so that a
    /// low-entropy value (a card number) cannot be found again from its digest by
    /// trying every candidate.
    public static func keyedHash(_ message: [UInt8], key: SecretKey, outputBytes: Int = 32) -> [UInt8] {
        Sodium.ensureReady()
        var out = [UInt8](repeating: 0, count: outputBytes)
        _ = crypto_generichash(
            &out, outputBytes, message, UInt64(message.count), key.storage.base.assumingMemoryBound(to: UInt8.self), key.storage.count)
        return out
    }
}

/// SHA-256, for the digests of consent notices.
public enum SHA256 {
    public static func hash(_ message: [UInt8]) -> [UInt8] {
        Sodium.ensureReady()
        var out = [UInt8](repeating: 0, count: Int(crypto_hash_sha256_BYTES))
        _ = crypto_hash_sha256(&out, message, UInt64(message.count))
        return out
    }
}
