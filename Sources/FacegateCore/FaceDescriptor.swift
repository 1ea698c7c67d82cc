#if canImport(Glibc)
    import Glibc
#endif

/// A 128-D face descriptor from dlib's ResNet. Two descriptors of the same person
/// are usually closer than 0.6 (Euclidean), the threshold the network was trained for.
///
/// The values live in memory this object owns and wipes when it is released or when
/// `wipe()` is called: a probe's descriptor must not linger after its match.
public final class FaceDescriptor: @unchecked Sendable {
    public static let dimensions = 128

    private let storage: UnsafeMutableBufferPointer<Float>

    /// A descriptor with the given 128 values.
    public init(_ values: some Collection<Float>) {
        precondition(values.count == Self.dimensions, "a face descriptor has \(Self.dimensions) values")
        storage = .allocate(capacity: Self.dimensions)
        _ = storage.initialize(from: values)
    }

    /// A descriptor copied from 128 floats at `pointer`.
    public init(copying pointer: UnsafePointer<Float>) {
        storage = .allocate(capacity: Self.dimensions)
        storage.baseAddress!.initialize(from: pointer, count: Self.dimensions)
    }

    deinit {
        wipe()
        storage.deallocate()
    }

    /// Overwrites the values with zeros now (the object stays valid, all zeros).
    public func wipe() {
        wipeMemory(storage.baseAddress, Self.dimensions * MemoryLayout<Float>.stride)
    }

    /// A copy of the values. The copy is ordinary memory: use it only to print or
    /// encrypt, and prefer `withUnsafeValues` on hot paths.
    public var values: [Float] { Array(storage) }

    public func withUnsafeValues<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(storage))
    }

    /// Whether every value is zero (true after `wipe()`).
    public var isWiped: Bool { storage.allSatisfy { $0 == 0 } }

    /// The Euclidean distance, as dlib and face_recognition define it.
    public func distance(to other: FaceDescriptor) -> Float {
        var sum: Float = 0
        for i in 0..<Self.dimensions {
            let d = storage[i] - other.storage[i]
            sum += d * d
        }
        return sum.squareRoot()
    }
}
