import FacegateTestSupport
import Testing
import Vault

/// Known-answer tests, so that a broken libsodium build or a misuse of its API
/// cannot pass unnoticed.
@Suite("Crypto known answers", .perTestLimit)
struct CryptoVectorTests {
    static func hex(_ text: String) -> [UInt8] {
        let digits = Array(text.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { i in
            func value(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
            return value(digits[i]) << 4 | value(digits[i + 1])
        }
    }

    @Test("Ed25519: RFC 8032 test 1 (empty message)")
    func ed25519() throws {
        let seed = Self.hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        let publicKey = Self.hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let expected = Self.hex(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        )
        let pair = try #require((seed + publicKey).withUnsafeBytes { SigningKeyPair.from(secretKey: $0) })
        #expect(pair.publicKey == publicKey)
        #expect(pair.sign([]) == expected)
        #expect(SignatureVerifier.isValid(signature: expected, message: [], publicKey: publicKey))
        var tampered = expected
        tampered[0] ^= 1
        #expect(!SignatureVerifier.isValid(signature: tampered, message: [], publicKey: publicKey))
    }

    @Test("a secret key whose embedded public key does not match its seed is refused")
    func inconsistentSecretKey() {
        let seed = Self.hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        let wrongPublic = [UInt8](repeating: 1, count: 32)
        #expect((seed + wrongPublic).withUnsafeBytes { SigningKeyPair.from(secretKey: $0) } == nil)
    }

    @Test("XChaCha20-Poly1305: draft-irtf-cfrg-xchacha A.3.1")
    func xchacha() throws {
        let key = try #require(
            Self.hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f").withUnsafeBytes { SecretKey(bytes: $0) })
        let nonce = Self.hex("404142434445464748494a4b4c4d4e4f5051525354555657")
        let ad = Self.hex("50515253c0c1c2c3c4c5c6c7")
        let plaintext = Array(
            "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)
        let ciphertext = Self.hex(
            "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e"
        )
        let tag = Self.hex("c0875924c1c7987947deafd8780acf49")
        let sealed = nonce + ciphertext + tag
        let opened = try #require(SealedBox.open(sealed, key: key, associatedData: ad))
        #expect([UInt8](UnsafeRawBufferPointer(opened.bytes)) == plaintext)
        var flipped = sealed
        flipped[40] ^= 0x01
        #expect(SealedBox.open(flipped, key: key, associatedData: ad) == nil)
        #expect(SealedBox.open(sealed, key: key, associatedData: ad + [0]) == nil)
    }

    @Test("a sealed box round-trips and fresh nonces make every sealing different")
    func roundTrip() throws {
        let key = SecretKey.random()
        let message = Array("an embedding".utf8)
        let a = SealedBox.seal(message, key: key, associatedData: [1, 2])
        let b = SealedBox.seal(message, key: key, associatedData: [1, 2])
        #expect(a != b)
        let opened = try #require(SealedBox.open(a, key: key, associatedData: [1, 2]))
        #expect([UInt8](UnsafeRawBufferPointer(opened.bytes)) == message)
        #expect(SealedBox.open(a, key: SecretKey.random(), associatedData: [1, 2]) == nil)
    }

    @Test("BLAKE2b-256 of the empty string")
    func blake2b() {
        #expect(Blake2b.hash([]) == Self.hex("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"))
    }
}
