public import FacegateCore

/// Why a vault operation failed. Messages name the file, key or record involved and
/// what to do; they never contain a name, a personal field or an embedding.
public struct VaultError: Error, Sendable, Equatable, ModuleError {
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// `keys init` found key files already there.
        case keysExist = "keys_exist"
        /// A key file is missing.
        case keyMissing = "key_missing"
        /// A key file is readable by group or others.
        case keyPermissions = "key_permissions"
        /// A key file has the wrong size or content.
        case keyInvalid = "key_invalid"
        /// The key-encryption key does not open this database.
        case wrongKey = "wrong_key"
        /// The key epoch that wrapped this data was destroyed: an expired backup.
        case keyDestroyed = "key_destroyed"
        /// The database file is not a facegate vault, or is damaged.
        case corruptDatabase = "corrupt_database"
        /// The state directory has no database: it was never initialised.
        case noDatabase = "no_database"
        /// A ciphertext failed authentication: altered, moved or damaged.
        case integrityFailure = "integrity_failure"
        /// The erasure journal fails its checksums: nothing opens until it is replaced
        /// or its damage accepted.
        case journalDamaged = "journal_damaged"
        /// No such subject.
        case notFound = "not_found"
        /// Bad input from the caller (an empty embedding list, a bad id).
        case invalidArgument = "invalid_argument"
        /// The disk is full or an I/O error occurred.
        case storageFailure = "storage_failure"
        /// Another process holds the state directory (a running daemon).
        case inUse = "in_use"
    }

    public let code: Code
    public let message: String
    /// Subject pseudonyms affected by an integrity failure (for a breach report).
    public var affectedSubjects: [String] = []

    /// Only this module raises its errors: another module's failure is its own error.
    init(_ code: Code, _ message: String, affectedSubjects: [String] = []) {
        self.code = code
        self.message = message
        self.affectedSubjects = affectedSubjects
    }
}

extension VaultError.Code: ErrorCode {
    /// The exit status a failure of this kind ends a command with, in-process or
    /// through the admin socket.
    public var exitStatus: ExitStatus {
        switch self {
        case .keysExist, .keyMissing, .keyPermissions, .keyInvalid, .wrongKey, .noDatabase: .configuration
        case .corruptDatabase, .integrityFailure, .keyDestroyed, .journalDamaged: .dataError
        case .notFound: .notFound
        case .invalidArgument: .usage
        case .storageFailure: .ioError
        case .inUse: .temporaryFailure
        }
    }
}
