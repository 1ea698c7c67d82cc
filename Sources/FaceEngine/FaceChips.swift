import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

/// Aligned 150x150 face chips, packed RGB one after the other. Wiped when released.
public final class FaceChips: @unchecked Sendable {
    public static let size = 150
    public static let bytesPerChip = size * size * 3

    public let count: Int
    let bytes: UnsafeMutableRawBufferPointer

    init(count: Int) {
        self.count = count
        bytes = .allocate(byteCount: max(1, count * Self.bytesPerChip), alignment: 64)
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        wipeMemory(bytes.baseAddress, bytes.count)
        bytes.deallocate()
    }

    /// The chip at `index` as an image (a copy), for inspection in tests.
    public func image(at index: Int) -> RGBImage {
        precondition(index >= 0 && index < count)
        let start = index * Self.bytesPerChip
        return RGBImage(
            width: Self.size, height: Self.size,
            rgb: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + Self.bytesPerChip)]))
    }
}
