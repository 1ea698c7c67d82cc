public import FacegateCore
public import GRDB
import Logging
public import Vault

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh key directory and database for one test.
public final class VaultFixture: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let keys: KeyDirectory
    public let clock: ManualWallClock
    public var databasePath: String { directory.file("facegate.sqlite") }

    public init() throws {
        directory = TemporaryDirectory(prefix: "fgv")
        keys = KeyDirectory(path: directory.file("keys"))
        try keys.initialize()
        clock = ManualWallClock()
        try open(loadGallery: false, creating: true).close()
    }

    public func kek() throws -> SecretKey { try keys.loadKEK(environment: [:]) }

    public func keyRing() throws -> KeyRing { try KeyRing.load(directory: keys, environment: [:]) }

    /// Opens the store with a companion that has no tables (the vault alone), and
    /// `backupDays` of backup retention.
    public func open(
        loadGallery: Bool = true, backupDays: Double = 30, companion: any VaultCompanion = TablelessCompanion(), creating: Bool = false
    ) throws -> VaultStore {
        try VaultStore.open(
            path: databasePath, keys: keyRing(), companion: companion, backupRetentionSeconds: backupDays * 86_400, clock: clock,
            logger: Logger(label: "test"), loadGallery: loadGallery, creating: creating)
    }

    /// An erasure on request, as the journal records it.
    public static func erasure(_ subject: SubjectID, reason: String = "request", at time: Double = 1_767_225_600) -> ErasureJournal.Entry {
        ErasureJournal.Entry(subject: subject, scope: .subject(reason: reason), actor: "test", at: time)
    }

    /// The erasure journal's path (in the key directory).
    public var journalPath: String { keys.erasureJournalPath }

    /// A random unit-scale descriptor, like dlib's (values around ±0.1).
    public static func randomDescriptor<G: RandomNumberGenerator>(using generator: inout G) -> FaceDescriptor {
        FaceDescriptor((0..<FaceDescriptor.dimensions).map { _ in Float.random(in: -0.2...0.2, using: &generator) })
    }

    public static func randomDescriptor() -> FaceDescriptor {
        var generator = SystemRandomNumberGenerator()
        return randomDescriptor(using: &generator)
    }
}

/// A vault companion with no tables, for Vault's own tests: it records what it was
/// asked to do, so that tests can check every erasure reached it.
public final class TablelessCompanion: VaultCompanion, @unchecked Sendable {
    public private(set) var erased: [(ErasureJournal.Entry, Bool)] = []
    public private(set) var withdrawn: [(ErasureJournal.Entry, Bool)] = []
    /// The erasure journal damage reported at open (line, reason).
    public private(set) var journalDamage: [(Int, String)] = []

    public init() {}

    public func registerMigrations(_ migrator: inout DatabaseMigrator) {}
    public func vaultDidOpen(_ vault: VaultStore) throws {}
    public func erasuresOnRecord(in db: Database) throws -> [ErasureJournal.Entry] { [] }
    public func subjectsHeld(among candidates: Set<SubjectID>, in db: Database) throws -> Set<SubjectID> { [] }
    public func erase(_ entry: ErasureJournal.Entry, replayed: Bool, in db: Database) throws { erased.append((entry, replayed)) }
    public func withdraw(_ entry: ErasureJournal.Entry, replayed: Bool, in db: Database) throws { withdrawn.append((entry, replayed)) }
    public func didForget(_ entry: ErasureJournal.Entry) {}
    public func journalDamaged(line: Int, reason: String, path: String) throws { journalDamage.append((line, reason)) }
}

/// Byte-level inspection of files, for residue tests.
public enum FileBytes {
    public static func read(_ path: String) -> [UInt8] {
        guard let file = fopen(path, "rb") else { return [] }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return bytes
    }

    /// A short fingerprint of a file's bytes (FNV-1a 64 and the length), for
    /// "unchanged" checks that print something readable when they fail.
    public static func fingerprint(_ path: String) -> String {
        let bytes = read(path)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "\(bytes.count) bytes, fnv \(String(hash, radix: 16))"
    }

    /// The first offset where two files differ, or nil if they are equal.
    public static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int? {
        for index in 0..<min(a.count, b.count) where a[index] != b[index] { return index }
        return a.count == b.count ? nil : min(a.count, b.count)
    }

    /// Whether `needle` occurs anywhere in `haystack`.
    public static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
