/// A secret a command carries (a console account's password): bytes zeroed when the
/// last reference goes, and never shown by `print`, string interpolation or a dump,
/// so that a command logged by mistake does not log its secret.
///
/// A class, so that every copy of a command shares one buffer and the wipe reaches
/// it; `withBytes` lends the buffer without copying it.
public final class SecretBytes: @unchecked Sendable {
    /// Only mutated by `deinit`, when nothing else can read it.
    private var storage: [UInt8]

    public init(_ bytes: [UInt8]) {
        storage = bytes
    }

    /// The UTF-8 bytes of `text` (the JSON string a secret travels in).
    public convenience init(utf8 text: String) {
        self.init(Array(text.utf8))
    }

    deinit {
        storage.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) }
    }

    public var count: Int { storage.count }

    /// Runs `body` with the secret's bytes, lent without a copy: `body` must not keep them.
    public func withBytes<Result>(_ body: ([UInt8]) throws -> Result) rethrows -> Result {
        try body(storage)
    }

    /// The secret as text, for the one place it must be (the JSON of a request on the
    /// local socket). Swift strings cannot be wiped: keep such a copy short-lived.
    public var text: String { String(decoding: storage, as: UTF8.self) }
}

extension SecretBytes: Equatable {
    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        lhs.storage == rhs.storage
    }
}

extension SecretBytes: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "<secret>" }
    public var debugDescription: String { "<secret>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
