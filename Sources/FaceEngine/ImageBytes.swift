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

    public func withUnsafeBytes<Value, Failure: Error>(_ body: (UnsafeRawBufferPointer) throws(Failure) -> Value) throws(Failure) -> Value {
        // Array's withUnsafeBytes is not typed-throws: keep the body's error type.
        let result: Result<Value, Failure> = storage.withUnsafeBytes { raw in
            do throws(Failure) { return .success(try body(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    deinit {
        storage.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) }
    }
}
