import FacegateCore
/// Photo bytes held in memory (an upload), wiped when the last holder lets go. The
/// `ImageSource` that carries them, and every copy Swift makes of it, share this one
/// buffer, so wiping it wipes the photo (wiping a copied array would not).
public final class ImageBytes: @unchecked Sendable {
    private var storage: [UInt8]

    /// Takes `bytes`; the caller keeps no other copy.
    public init(_ bytes: consuming [UInt8]) {
        storage = bytes
    }

    public var count: Int { storage.count }

    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try storage.withUnsafeBytes(body)
    }

    deinit {
        storage.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) }
    }
}
