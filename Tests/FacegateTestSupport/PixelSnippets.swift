public import FaceEngine

/// Runs of pixels from an image, to look for in what a process wrote: a frame
/// dumped raw (not as a JPEG or a video) would still carry them.
public enum PixelSnippets {
    /// `count` runs of `length` bytes, from rows spread over the middle of the image
    /// (where the face is in the fixtures), skipping flat runs that any file could hold.
    public static func of(_ image: RGBImage, count: Int = 8, length: Int = 48) -> [[UInt8]] {
        image.withUnsafePixels { pixels in
            (0..<count).compactMap { index -> [UInt8]? in
                let row = image.height / 4 + index * image.height / (2 * count)
                let start = (row * image.width + image.width / 3) * 3
                let run = Array(pixels[start..<min(start + length, pixels.count)])
                return Set(run).count > 8 ? run : nil
            }
        }
    }
}
