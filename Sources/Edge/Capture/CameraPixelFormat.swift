/// How a camera's frame bytes are laid out, and how a row becomes the RGB the pipeline
/// reads. libv4l2 converts YUYV and MJPEG (and 8-bit grey) cameras to RGB24; the
/// monochrome and infrared formats it cannot convert (10-, 12- and 16-bit luma, which
/// night-time infrared cameras deliver) it passes through, and they are converted here:
/// the luma's top 8 bits become R = G = B, which is what the low-light enhancer and HOG
/// read anyway (HOG takes the strongest gradient of the three channels, all equal here).
public enum CameraPixelFormat: Sendable, Equatable {
    case rgb24
    /// 8-bit luma (V4L2 `GREY`).
    case grey
    /// Little-endian 16-bit words holding `bits` significant bits of luma, in the low
    /// bits (V4L2 `Y10 `, `Y12 `, `Y16 `).
    case grey16(bits: Int)

    /// The format a V4L2 fourcc names, nil for the ones the pipeline cannot read.
    public init?(fourcc: UInt32) {
        switch fourcc {
        case Self.fourcc("RGB3"): self = .rgb24
        case Self.fourcc("GREY"): self = .grey
        case Self.fourcc("Y10 "): self = .grey16(bits: 10)
        case Self.fourcc("Y12 "): self = .grey16(bits: 12)
        case Self.fourcc("Y16 "): self = .grey16(bits: 16)
        default: return nil
        }
    }

    /// V4L2's `v4l2_fourcc(a, b, c, d)` of four ASCII characters.
    public static func fourcc(_ code: StaticString) -> UInt32 {
        code.withUTF8Buffer { bytes in
            bytes.prefix(4).enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        }
    }

    /// Bytes one pixel takes in the camera's buffer.
    public var bytesPerPixel: Int {
        switch self {
        case .rgb24: 3
        case .grey: 1
        case .grey16: 2
        }
    }

    /// How `doctor`, `status` and errors name it.
    public var name: String {
        switch self {
        case .rgb24: "RGB24"
        case .grey: "GREY (8-bit luma)"
        case .grey16(let bits): "Y\(bits) (\(bits)-bit luma)"
        }
    }

    /// Converts one row of `width` pixels to RGB24 in `destination` (3 bytes a pixel).
    public func convertRow(_ source: UnsafeRawPointer, width: Int, into destination: UnsafeMutablePointer<UInt8>) {
        switch self {
        case .rgb24:
            destination.update(from: source.assumingMemoryBound(to: UInt8.self), count: width * 3)
        case .grey:
            let luma = source.assumingMemoryBound(to: UInt8.self)
            for x in 0..<width {
                let value = luma[x]
                destination[x * 3] = value
                destination[x * 3 + 1] = value
                destination[x * 3 + 2] = value
            }
        case .grey16(let bits):
            // Byte by byte: rows need not be 2-byte aligned, and the words are little-endian.
            let bytes = source.assumingMemoryBound(to: UInt8.self)
            let shift = UInt32(max(0, bits - 8))
            let top = UInt32((1 << bits) - 1)
            for x in 0..<width {
                let word = min(UInt32(bytes[x * 2]) | UInt32(bytes[x * 2 + 1]) << 8, top)
                let value = UInt8(truncatingIfNeeded: word >> shift)
                destination[x * 3] = value
                destination[x * 3 + 1] = value
                destination[x * 3 + 2] = value
            }
        }
    }
}
