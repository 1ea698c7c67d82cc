/// BT.601 conversions between RGB and Y'CbCr, in studio swing (Y 16-235, C 16-240)
/// as Y4M files from ffmpeg use by default, or full range when a file says so.
///
/// Inlinable because the Y4M reader (Edge) and writer (FacegateTools) call these once
/// per pixel from other modules.
public enum YCbCr {
    @inlinable
    public static func clamp(_ value: Int) -> UInt8 { UInt8(max(0, min(255, value))) }

    /// RGB of one pixel (fixed point, 16-bit fractions).
    @inlinable
    public static func rgb(y: UInt8, cb: UInt8, cr: UInt8, fullRange: Bool) -> (UInt8, UInt8, UInt8) {
        let c = Int(cb) - 128, e = Int(cr) - 128
        if fullRange {
            let yy = Int(y) << 16
            return (
                clamp((yy + 91_881 * e + 32_768) >> 16),
                clamp((yy - 22_554 * c - 46_802 * e + 32_768) >> 16),
                clamp((yy + 116_130 * c + 32_768) >> 16)
            )
        }
        let yy = (Int(y) - 16) * 76_309
        return (
            clamp((yy + 104_597 * e + 32_768) >> 16),
            clamp((yy - 25_675 * c - 53_279 * e + 32_768) >> 16),
            clamp((yy + 132_201 * c + 32_768) >> 16)
        )
    }

    /// Studio-swing Y'CbCr of one pixel.
    @inlinable
    public static func ycbcr(r: UInt8, g: UInt8, b: UInt8) -> (UInt8, Int, Int) {
        let r = Int(r), g = Int(g), b = Int(b)
        let y = (16_829 * r + 33_039 * g + 6_416 * b + 32_768) >> 16 + 16
        let cb = (-9_714 * r - 19_070 * g + 28_784 * b + 32_768) >> 16 + 128
        let cr = (28_784 * r - 24_103 * g - 4_681 * b + 32_768) >> 16 + 128
        return (clamp(y), cb, cr)
    }

    /// Luma (0-255) of an RGB pixel, for brightness measurements.
    @inlinable
    public static func luma(r: UInt8, g: UInt8, b: UInt8) -> Int {
        (19_595 * Int(r) + 38_470 * Int(g) + 7_471 * Int(b) + 32_768) >> 16
    }
}
