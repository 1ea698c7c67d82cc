internal import CSodium

/// A 32-byte symmetric key in secure memory, for XChaCha20-Poly1305.
public final class SecretKey: @unchecked Sendable {
    public static let byteCount = 32
    let storage: SecureBuffer

    /// A fresh random key. Data keys are always made this way, never derived: a key
    /// that can be re-derived cannot be shredded.
    public static func random() -> SecretKey {
        let key = SecretKey(storage: SecureBuffer(count: byteCount))
        Sodium.randomFill(key.storage.bytes)
        return key
    }

    init(storage: SecureBuffer) {
        precondition(storage.count == Self.byteCount)
        self.storage = storage
    }

    /// A key from 32 bytes (copied into secure memory).
    public convenience init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == Self.byteCount else { return nil }
        self.init(storage: SecureBuffer(copying: bytes))
    }
}

/// XChaCha20-Poly1305 (IETF) with a random 24-byte nonce stored in front of the
/// ciphertext: `nonce || ciphertext || tag`.
public enum SealedBox {
    public static let nonceBytes = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    public static let tagBytes = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)
    public static let overhead = nonceBytes + tagBytes

    /// Encrypts `plaintext`, binding it to `associatedData`, under a fresh random nonce.
    public static func seal(_ plaintext: UnsafeRawBufferPointer, key: SecretKey, associatedData: [UInt8]) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: nonceBytes)
        nonce.withUnsafeMutableBytes { Sodium.randomFill($0) }
        return seal(plaintext, key: key, associatedData: associatedData, nonce: nonce)
    }

    /// Encrypts `plaintext` under the given 24-byte `nonce`: the step every sealing
    /// above is built on, after it has drawn its random nonce. It exists so that
    /// known-answer tests (the Wycheproof XChaCha20-Poly1305 vectors) can check the
    /// vault's own sealing byte for byte, which a random nonce makes impossible.
    /// Behind an SPI so that product code cannot call it by accident: sealing two
    /// messages under one key and one nonce reveals both, so the product never
    /// chooses a nonce itself.
    @_spi(KnownAnswerTests)
    public static func seal(_ plaintext: UnsafeRawBufferPointer, key: SecretKey, associatedData: [UInt8], nonce: [UInt8]) -> [UInt8] {
        precondition(nonce.count == nonceBytes, "an XChaCha20-Poly1305 nonce is \(nonceBytes) bytes")
        Sodium.ensureReady()
        var sealed = [UInt8](repeating: 0, count: overhead + plaintext.count)
        sealed.withUnsafeMutableBytes { out in
            out.copyBytes(from: nonce)
            let nonce = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let cipher = nonce + nonceBytes
            var written: UInt64 = 0
            associatedData.withUnsafeBufferPointer { ad in
                _ = crypto_aead_xchacha20poly1305_ietf_encrypt(
                    cipher, &written,
                    plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(plaintext.count),
                    ad.baseAddress, UInt64(ad.count), nil, nonce,
                    key.storage.base.assumingMemoryBound(to: UInt8.self))
            }
        }
        return sealed
    }

    public static func seal(_ plaintext: [UInt8], key: SecretKey, associatedData: [UInt8]) -> [UInt8] {
        plaintext.withUnsafeBytes { seal($0, key: key, associatedData: associatedData) }
    }

    /// The plaintext length of a sealed box, or nil if it is too short to be one.
    public static func plaintextCount(of sealed: [UInt8]) -> Int? {
        sealed.count >= overhead ? sealed.count - overhead : nil
    }

    /// Decrypts into `output` (exactly the plaintext length). False if the box was
    /// altered, moved (other associated data) or sealed with another key.
    public static func open(
        _ sealed: UnsafeRawBufferPointer, key: SecretKey, associatedData: [UInt8], into output: UnsafeMutableRawBufferPointer
    ) -> Bool {
        Sodium.ensureReady()
        guard sealed.count >= overhead, sealed.count - overhead == output.count, let input = sealed.baseAddress else {
            return false
        }
        let nonce = input.assumingMemoryBound(to: UInt8.self)
        var scratch: UInt8 = 0
        var written: UInt64 = 0
        let status = associatedData.withUnsafeBufferPointer { ad in
            crypto_aead_xchacha20poly1305_ietf_decrypt(
                output.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? withUnsafeMutablePointer(to: &scratch) { $0 },
                &written, nil, nonce + nonceBytes, UInt64(sealed.count - nonceBytes),
                ad.baseAddress, UInt64(ad.count), nonce, key.storage.base.assumingMemoryBound(to: UInt8.self))
        }
        if status != 0 { Sodium.wipe(output.baseAddress, output.count) }
        return status == 0
    }

    public static func open(
        _ sealed: [UInt8], key: SecretKey, associatedData: [UInt8], into output: UnsafeMutableRawBufferPointer
    ) -> Bool {
        sealed.withUnsafeBytes { open($0, key: key, associatedData: associatedData, into: output) }
    }

    /// Whether `sealed` authenticates under `key` and `associatedData`. The plaintext
    /// goes into `scratch` (a secure buffer, replaced by a larger one when needed)
    /// and is wiped at once: for checking many fields without a `sodium_malloc` each.
    static func authenticates(_ sealed: [UInt8], key: SecretKey, associatedData: [UInt8], scratch: inout SecureBuffer) -> Bool {
        guard let count = plaintextCount(of: sealed) else { return false }
        if scratch.count < count { scratch = SecureBuffer(count: max(count, scratch.count * 2)) }
        let output = UnsafeMutableRawBufferPointer(rebasing: scratch.bytes[0..<count])
        defer { Sodium.wipe(output.baseAddress, count) }
        return open(sealed, key: key, associatedData: associatedData, into: output)
    }

    /// Decrypts into a new secure buffer, or nil if authentication fails.
    public static func open(_ sealed: [UInt8], key: SecretKey, associatedData: [UInt8]) -> SecureBuffer? {
        guard let count = plaintextCount(of: sealed) else { return nil }
        let buffer = SecureBuffer(count: count)
        return open(sealed, key: key, associatedData: associatedData, into: buffer.bytes) ? buffer : nil
    }
}
