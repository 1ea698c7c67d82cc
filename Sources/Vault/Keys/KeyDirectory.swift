public import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

/// The device's keys on disk: the key-encryption key (KEK) that seals the epoch keys
/// wrapping every subject's data key, the Ed25519 key that signs audit checkpoints,
/// and (written as the device runs) the epoch keys and the erasure journal.
///
/// Files are created owner-read-only (0400) and never overwritten. At load, a file
/// that is missing, has the wrong size, or is readable by group or others is refused
/// with a message that names it.
public struct KeyDirectory: Sendable {
    public static let kekFileName = "kek"
    public static let signingKeyFileName = "audit-signing.key"
    public static let publicKeyFileName = "audit-signing.pub"
    /// The systemd credential name (`LoadCredential=facegate-kek:…`) that may carry the KEK.
    public static let kekCredentialName = "facegate-kek"
    /// The epoch keys, sealed with the KEK (see `KeyRing`).
    public static let epochsFileName = "kek-epochs"
    /// Every subject erased and every purpose withdrawn (see `ErasureJournal`).
    public static let erasureJournalFileName = "erasures"
    /// The fleet's key: the same 32 random bytes on every door of a fleet, never on the
    /// hub (which holds only what it seals). Made by `fleet init`, copied by the admin.
    public static let fleetKeyFileName = "fleet.key"
    public static let fleetKeyCredentialName = "facegate-fleet-key"
    /// The fleet's key epochs this door holds (see `FleetEpochs`): rewritten as epochs
    /// begin and are destroyed, unlike the other key files.
    public static let fleetEpochsFileName = "fleet-epochs"

    /// The OSDP Secure Channel base key shared with the venue's access panel: 32 hex
    /// digits the venue writes (the panel's installer gives it), or its credential.
    public static let osdpKeyFileName = "osdp-scbk"
    public static let osdpKeyCredentialName = "facegate-osdp-scbk"
    /// The key of the card reader facegate polls for claims (`[osdp.reader]`).
    public static let osdpReaderKeyFileName = "osdp-reader-scbk"
    public static let osdpReaderKeyCredentialName = "facegate-osdp-reader-scbk"

    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var kekPath: String { path + "/" + Self.kekFileName }
    public var signingKeyPath: String { path + "/" + Self.signingKeyFileName }
    public var publicKeyPath: String { path + "/" + Self.publicKeyFileName }
    public var epochsPath: String { path + "/" + Self.epochsFileName }
    /// The erasure journal lives with the keys, not beside the database: the key
    /// directory is the recovery kit, so a backup restored on a replacement device
    /// with it re-applies every erasure the old device made.
    public var erasureJournalPath: String { path + "/" + Self.erasureJournalFileName }
    public var fleetKeyPath: String { path + "/" + Self.fleetKeyFileName }
    public var fleetEpochsPath: String { path + "/" + Self.fleetEpochsFileName }

    /// The fleet epochs file's bytes, nil when there is none (checked like the other key files).
    public func readFleetEpochs() throws(VaultError) -> [UInt8]? {
        try checkWrittenFile(fleetEpochsPath)
        return try FileSystem.readAll(fleetEpochsPath)
    }

    /// Replaces the fleet epochs file atomically (mode 0600).
    public func writeFleetEpochs(_ bytes: [UInt8]) throws(VaultError) {
        try FileSystem.makeDirectory(path, mode: 0o700)
        var failure: VaultError?
        bytes.withUnsafeBytes { buffer in
            do throws(VaultError) { try FileSystem.writeReplacing(fleetEpochsPath, bytes: buffer, mode: 0o600) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Creates the KEK and the signing key pair. Refuses if any key file exists.
    @discardableResult
    public func initialize() throws -> [String] {
        try FileSystem.makeDirectory(path, mode: 0o700)
        for existing in [kekPath, signingKeyPath, publicKeyPath] where access(existing, F_OK) == 0 {
            throw VaultError(
                .keysExist,
                "'\(existing)' already exists; keys are never overwritten. Move the old key directory away only if you mean to lose every enrolled subject"
            )
        }
        let kek = SecretKey.random()
        try FileSystem.writeNew(kekPath, bytes: UnsafeRawBufferPointer(kek.storage.bytes), mode: 0o400)
        let signing = SigningKeyPair.generate()
        try signing.withSecretKeyBytes { bytes in try FileSystem.writeNew(signingKeyPath, bytes: bytes, mode: 0o400) }
        try signing.publicKey.withUnsafeBytes { bytes in try FileSystem.writeNew(publicKeyPath, bytes: bytes, mode: 0o444) }
        try FileSystem.syncDirectory(path)
        return [kekPath, signingKeyPath, publicKeyPath]
    }

    /// Loads the KEK: from the systemd credential when `$CREDENTIALS_DIRECTORY` holds
    /// one, else from the key directory.
    public func loadKEK(environment: [String: String]) throws(VaultError) -> SecretKey {
        try loadSecretKey(credential: Self.kekCredentialName, file: kekPath, environment: environment)
    }

    /// Loads the fleet key, from its systemd credential or the key directory.
    public func loadFleetKey(environment: [String: String]) throws(VaultError) -> SecretKey {
        try loadSecretKey(credential: Self.fleetKeyCredentialName, file: fleetKeyPath, environment: environment)
    }

    /// Creates the fleet key (`fleet init`), refusing to replace one.
    public func createFleetKey() throws(VaultError) -> SecretKey {
        try FileSystem.makeDirectory(path, mode: 0o700)
        guard access(fleetKeyPath, F_OK) != 0 else {
            throw VaultError(
                .keysExist,
                "'\(fleetKeyPath)' already exists; a door belongs to one fleet. Use `facegate fleet join` with this key, or move it away only if that fleet is gone"
            )
        }
        let key = SecretKey.random()
        try FileSystem.writeNew(fleetKeyPath, bytes: UnsafeRawBufferPointer(key.storage.bytes), mode: 0o400)
        try FileSystem.syncDirectory(path)
        return key
    }

    private func loadSecretKey(credential name: String, file: String, environment: [String: String]) throws(VaultError) -> SecretKey {
        ProcessHardening.disableCoreDumps()
        if let credentials = environment["CREDENTIALS_DIRECTORY"], !credentials.isEmpty {
            let credential = credentials + "/" + name
            if access(credential, F_OK) == 0 {
                // systemd keeps the credential directory private to the service.
                let secure = try readKeyFile(credential, expectedBytes: SecretKey.byteCount, checkPermissions: false)
                return SecretKey(storage: secure)
            }
        }
        return SecretKey(storage: try readKeyFile(file, expectedBytes: SecretKey.byteCount, checkPermissions: true))
    }

    public var osdpKeyPath: String { path + "/" + Self.osdpKeyFileName }

    /// Loads the OSDP key (16 bytes, written as 32 hex digits and perhaps a newline),
    /// from its systemd credential or the key directory (checked like the other keys).
    /// `reader`: the card reader's key instead of the panel's.
    public func loadOSDPKey(environment: [String: String], reader: Bool = false) throws(VaultError) -> SecretBytes {
        let credential = reader ? Self.osdpReaderKeyCredentialName : Self.osdpKeyCredentialName
        var file = path + "/" + (reader ? Self.osdpReaderKeyFileName : Self.osdpKeyFileName)
        var checked = true
        if let credentials = environment["CREDENTIALS_DIRECTORY"], !credentials.isEmpty, access(credentials + "/" + credential, F_OK) == 0 {
            file = credentials + "/" + credential
            checked = false
        }
        guard access(file, F_OK) == 0 else {
            throw VaultError(
                .keyMissing,
                "the OSDP key '\(file)' is missing: write the \(reader ? "card reader's" : "panel's") Secure Channel base key there as 32 hex digits (mode 0400), or load it as the systemd credential \(credential)"
            )
        }
        var info = stat()
        if stat(file, &info) == 0, info.st_size != 32, info.st_size != 33 {
            throw VaultError(
                .keyInvalid,
                "the OSDP key '\(file)' has \(info.st_size) bytes: it must hold the panel's Secure Channel base key as 32 hex digits (and at most a newline), nothing else"
            )
        }
        let text = try readKeyFile(file, expectedBytes: 32, checkPermissions: checked, trailingNewline: true)
        var key = [UInt8](repeating: 0, count: 16)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        for index in 0..<16 {
            guard let high = nibble(text.bytes[2 * index]), let low = nibble(text.bytes[2 * index + 1]) else {
                key.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) }
                throw VaultError(
                    .keyInvalid,
                    "the OSDP key '\(file)' must be 32 hex digits (the panel's Secure Channel base key, SCBK); write it again with the key the panel holds"
                )
            }
            key[index] = high << 4 | low
        }
        defer { key.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
        // All zeros, or OSDP's published install key SCBK-D (0x30...0x3F): anyone has it.
        if key.allSatisfy({ $0 == 0 }) || key == Array(0x30...0x3F) {
            throw VaultError(
                .keyInvalid,
                "the OSDP key '\(file)' is a key everyone knows (all zeros, or the install key SCBK-D); set a random key in the panel and here"
            )
        }
        return SecretBytes(key)
    }

    /// Writes the OSDP key the panel set in install mode (32 hex digits and a newline,
    /// mode 0400), refusing to replace one: a panel's key is changed deliberately, by
    /// removing the file first.
    public func writeOSDPKey(_ key: SecretBytes) throws(VaultError) {
        try FileSystem.makeDirectory(path, mode: 0o700)
        guard access(osdpKeyPath, F_OK) != 0 else {
            throw VaultError(
                .keysExist,
                "'\(osdpKeyPath)' already holds an OSDP key; if the panel's key was changed, move that file away first, deliberately"
            )
        }
        // Hex digits made here, not through a String, so that every copy can be wiped.
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = key.withBytes { bytes in
            var hex: [UInt8] = []
            hex.reserveCapacity(bytes.count * 2 + 1)
            for byte in bytes { hex += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]] }
            return hex
        }
        text.append(0x0A)
        defer { text.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
        var failure: VaultError?
        text.withUnsafeBytes { buffer in
            do throws(VaultError) { try FileSystem.writeNew(osdpKeyPath, bytes: buffer, mode: 0o400) } catch { failure = error }
        }
        if let failure { throw failure }
        try FileSystem.syncDirectory(path)
    }

    /// Loads the audit signing key pair.
    public func loadSigningKey() throws(VaultError) -> SigningKeyPair {
        ProcessHardening.disableCoreDumps()
        let secure = try readKeyFile(signingKeyPath, expectedBytes: SigningKeyPair.secretKeyBytes, checkPermissions: true)
        guard let pair = SigningKeyPair.from(secretKey: UnsafeRawBufferPointer(secure.bytes)) else {
            throw VaultError(.keyInvalid, "'\(signingKeyPath)' is not an Ed25519 secret key; restore it from your key backup")
        }
        return pair
    }

    /// The public half of the signing key, for exports.
    public func loadPublicKey() throws(VaultError) -> [UInt8] {
        try loadSigningKey().publicKey
    }

    /// A file of the key directory must belong to this user, root or the key
    /// directory's owner: a file someone else owns could have been replaced by them
    /// (an epoch file rolled back, an erasure journal emptied).
    func checkOwner(of file: String, _ info: stat) throws(VaultError) {
        var directory = stat()
        let directoryOwner = lstat(path, &directory) == 0 ? directory.st_uid : uid_t.max
        guard info.st_uid == geteuid() || info.st_uid == 0 || info.st_uid == directoryOwner else {
            throw VaultError(
                .keyPermissions,
                "'\(file)' belongs to uid \(info.st_uid), not to this user, root or the key directory's owner; someone else could have replaced it. Restore it from your key backup"
            )
        }
    }

    /// Checks a file of the key directory that facegate writes (the epoch keys, the
    /// erasure journal), when it exists: a regular file, not a link, owned as
    /// `checkOwner` says.
    func checkWrittenFile(_ file: String) throws(VaultError) {
        var info = stat()
        guard lstat(file, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw VaultError(.keyInvalid, "'\(file)' is not a regular file (a symbolic link?); restore the key directory from its backup")
        }
        try checkOwner(of: file, info)
    }

    /// `trailingNewline`: a text key may end with one newline (not returned).
    private func readKeyFile(
        _ file: String, expectedBytes: Int, checkPermissions: Bool, trailingNewline: Bool = false
    ) throws(VaultError) -> SecureBuffer {
        var info = stat()
        guard lstat(file, &info) == 0 else {
            if errno == ENOENT {
                throw VaultError(
                    .keyMissing,
                    "the key file '\(file)' is missing; run `facegate keys init --dir \(path)` on a new device, or restore the key directory from its backup"
                )
            }
            throw VaultError(.keyInvalid, "cannot stat the key file '\(file)': \(String(cString: strerror(errno)))")
        }
        if (info.st_mode & S_IFMT) == S_IFLNK {
            throw VaultError(
                .keyInvalid,
                "the key file '\(file)' is a symbolic link; key files must be regular files in the key directory (a link could point anywhere)"
            )
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw VaultError(.keyInvalid, "the key file '\(file)' is not a regular file")
        }
        if checkPermissions { try checkOwner(of: file, info) }
        if checkPermissions && (info.st_mode & 0o077) != 0 {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw VaultError(
                .keyPermissions,
                "the key file '\(file)' is readable by group or others (mode \(mode)); run `chmod 400 \(file)` and check who could have copied it"
            )
        }
        let withNewline = trailingNewline && Int(info.st_size) == expectedBytes + 1
        guard Int(info.st_size) == expectedBytes || withNewline else {
            throw VaultError(
                .keyInvalid,
                "the key file '\(file)' has \(info.st_size) bytes instead of \(expectedBytes); it is damaged or not a facegate key: restore it from your key backup"
            )
        }
        let buffer = SecureBuffer(count: Int(info.st_size))
        try FileSystem.readExactly(file, into: buffer.bytes)
        if withNewline {
            guard buffer.bytes[expectedBytes] == 0x0A else {
                throw VaultError(
                    .keyInvalid, "the key file '\(file)' has \(info.st_size) bytes instead of \(expectedBytes); write the key again")
            }
        }
        return buffer
    }
}
