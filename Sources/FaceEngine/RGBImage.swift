internal import CDlibFace
import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

/// Packed 8-bit RGB pixels in memory that this object owns and wipes when it is
/// released: images and frames never outlive their processing, in memory or on disk.
///
/// Pixels are written only while the image is being made (decoding, capture,
/// enhancement); after that it is read-only, which is why it may be shared.
public final class RGBImage: @unchecked Sendable {
    public let width: Int
    public let height: Int
    /// Bytes per row (3 * width: rows are packed).
    public var rowBytes: Int { width * 3 }
    let pixels: UnsafeMutableRawBufferPointer
    /// The decoder's image whose pixels these are (freed, and wiped, by the shim), or
    /// nil for memory of our own.
    private let decoded: OpaquePointer?

    /// A black image of the given size, for the caller to fill.
    public init(width: Int, height: Int) {
        precondition(width > 0 && height > 0, "an image needs a positive size")
        self.width = width
        self.height = height
        self.pixels = .allocate(byteCount: width * height * 3, alignment: 64)
        self.pixels.initializeMemory(as: UInt8.self, repeating: 0)
        self.decoded = nil
    }

    /// The pixels of a decoded image, taken over without a copy (a 16-megapixel photo
    /// is 48 MB: a copy doubled what a decode holds).
    init(adopting image: OpaquePointer) {
        let view = fg_image_view(image)
        width = Int(view.width)
        height = Int(view.height)
        pixels = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(mutating: view.pixels), count: width * height * 3)
        decoded = image
    }

    /// A copy of packed RGB bytes (`bytes.count` must be width * height * 3).
    public convenience init(width: Int, height: Int, rgb bytes: some Collection<UInt8>) {
        precondition(bytes.count == width * height * 3, "RGB bytes do not match the image size")
        self.init(width: width, height: height)
        _ = UnsafeMutableRawBufferPointer(pixels).initializeMemory(as: UInt8.self, from: bytes)
    }

    deinit {
        if let decoded {
            fg_image_destroy(decoded)
        } else {
            wipeMemory(pixels.baseAddress, pixels.count)
            pixels.deallocate()
        }
    }

    /// Reads or writes the pixels in place (R, G, B per pixel, rows packed).
    public func withUnsafeMutablePixels<R>(_ body: (UnsafeMutableBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(pixels.bindMemory(to: UInt8.self))
    }

    /// Reads the pixels (R, G, B per pixel, rows packed).
    public func withUnsafePixels<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(pixels.bindMemory(to: UInt8.self)))
    }

    var view: fg_rgb_view {
        fg_rgb_view(
            pixels: UnsafeRawPointer(pixels.baseAddress)?.assumingMemoryBound(to: UInt8.self),
            width: Int32(width), height: Int32(height), row_bytes: Int64(rowBytes))
    }
}
