public import FaceEngine

/// Blurs images in memory (nothing is written to disk): the blurred photos the
/// enrolment quality bar must refuse.
public enum BoxBlur {
    /// `image` averaged over a (2·radius+1)² box, edges clamped.
    public static func blurred(_ image: RGBImage, radius: Int) -> RGBImage {
        let width = image.width
        let height = image.height
        let out = RGBImage(width: width, height: height)
        var rows = [Int](repeating: 0, count: width * height * 3)
        image.withUnsafePixels { source in
            for y in 0..<height {
                for x in 0..<width {
                    for channel in 0..<3 {
                        var sum = 0
                        for dx in -radius...radius {
                            sum += Int(source[(y * width + min(width - 1, max(0, x + dx))) * 3 + channel])
                        }
                        rows[(y * width + x) * 3 + channel] = sum
                    }
                }
            }
        }
        let count = (2 * radius + 1) * (2 * radius + 1)
        out.withUnsafeMutablePixels { target in
            for y in 0..<height {
                for x in 0..<width {
                    for channel in 0..<3 {
                        var sum = 0
                        for dy in -radius...radius {
                            sum += rows[(min(height - 1, max(0, y + dy)) * width + x) * 3 + channel]
                        }
                        target[(y * width + x) * 3 + channel] = UInt8(sum / count)
                    }
                }
            }
        }
        return out
    }
}
