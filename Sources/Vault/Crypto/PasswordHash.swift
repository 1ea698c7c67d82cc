internal import CSodium
import FacegateCore

/// Argon2id password hashes (libsodium's `crypto_pwhash_str`), for the web console's
/// accounts. The hash string carries its own salt and cost parameters, so a hash made
/// today still verifies after the costs are raised.
///
/// Passwords are taken as bytes the caller owns and wipes; nothing here keeps a copy.
/// The length limits are checked by the caller, which words the refusal for its users
/// (`ConsoleAccounts`); `hash` only refuses what it could not hash safely.
public enum PasswordHash {
    /// The fewest bytes a password may have: 12 characters of ASCII, fewer of other scripts.
    public static let minimumBytes = 12
    /// The most bytes a password may have: far beyond any pass phrase, and a bound on
    /// the work a caller can ask of Argon2id's pre-hash.
    public static let maximumBytes = 1024

    /// `crypto_pwhash_STRBYTES`: the hash string's buffer, its terminating NUL included.
    static var stringBytes: Int { crypto_pwhash_strbytes() }

    /// A hash of a random password nobody knows, with the interactive costs: verified
    /// against when an account does not exist, so that a wrong name takes as long to
    /// refuse as a wrong password (timing reveals no account names).
    public static let dummy = "$argon2id$v=19$m=65536,t=2,p=1$lItIdRD74Qc84oQ58QsrMw$BMZPWdu4046r94ctedxJTKbY812gTMIx/fAKIijvyFU"

    /// Hashes `password` with a fresh random salt and the interactive costs
    /// (`OPSLIMIT_INTERACTIVE`, `MEMLIMIT_INTERACTIVE`: 64 MiB, about a tenth of a second).
    public static func hash(_ password: [UInt8]) throws(VaultError) -> String {
        Sodium.ensureReady()
        guard (minimumBytes...maximumBytes).contains(password.count) else {
            throw VaultError(.invalidArgument, "a password must be \(minimumBytes) to \(maximumBytes) bytes long")
        }
        var out = [CChar](repeating: 0, count: stringBytes)
        let status = password.withUnsafeBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self) else { return -1 }
            return crypto_pwhash_str(
                &out, base, UInt64(bytes.count), UInt64(crypto_pwhash_opslimit_interactive()), crypto_pwhash_memlimit_interactive())
        }
        guard status == 0 else {
            throw VaultError(
                .storageFailure,
                "hashing a password failed: Argon2id could not get its \(crypto_pwhash_memlimit_interactive() >> 20) MiB of memory")
        }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `password` matches `hash` (constant time for a given hash). A malformed
    /// hash, or a password longer than any accepted, matches nothing.
    public static func verify(_ password: [UInt8], against hash: String) -> Bool {
        Sodium.ensureReady()
        guard !password.isEmpty, password.count <= maximumBytes else { return false }
        let text = Array(hash.utf8CString)
        guard text.count <= stringBytes else { return false }
        return password.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self) else { return false }
            return crypto_pwhash_str_verify(text, base, UInt64(bytes.count)) == 0
        }
    }

    /// Whether `hash` was made with other costs than today's interactive ones (or is
    /// not an Argon2id hash at all), so that it should be replaced at the next change
    /// of password.
    public static func needsRehash(_ hash: String) -> Bool {
        Sodium.ensureReady()
        let text = Array(hash.utf8CString)
        guard text.count <= stringBytes else { return true }
        return crypto_pwhash_str_needs_rehash(text, UInt64(crypto_pwhash_opslimit_interactive()), crypto_pwhash_memlimit_interactive()) != 0
    }
}
