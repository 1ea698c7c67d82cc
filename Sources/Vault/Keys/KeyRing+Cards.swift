import FacegateCore

extension KeyRing {
    /// The keyed BLAKE2b-256 digest a card number is stored as. Its key is derived
    /// from the root key (`crypto_kdf`, context `fgcard01`) each time, never stored: a
    /// stolen database alone cannot test card numbers against it, and every door
    /// holding the same root key computes the same digest for a card.
    ///
    /// The number is trimmed of surrounding white space first (a reader's line end).
    public func cardDigest(_ card: String) -> [UInt8] {
        let subkey = derivedKey(context: "fgcard01")
        defer { subkey.storage.wipe() }
        var bytes = Array(card.trimmingWhiteSpace.utf8)
        defer { bytes.withUnsafeMutableBytes { Sodium.wipe($0.baseAddress, $0.count) } }
        return Blake2b.keyedHash(bytes, key: subkey)
    }
}
