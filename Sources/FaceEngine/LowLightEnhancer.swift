import FacegateCore

/// Brightens dark frames before detection: night-time entrances give HOG too little
/// gradient to find faces. When the frame's mean luma is below the policy threshold,
/// the frame's luma is stretched between its 1st and 99th percentiles and a gamma
/// curve lifts its mean towards mid-grey; the result is grey (R = G = B = new luma).
///
/// Grey on purpose: stretching a near-black colour frame channel by channel turns
/// sensor noise into blotches of saturated colour that HOG reads as edges (measured on
/// ../shared/faces/lowlight: 3 of 8 faces found in colour, 4 of 8 in grey, 1 of 8
/// without enhancement), and dlib's descriptor changes little on grey (obama.jpg vs
/// obama2.jpg: 0.346 in colour, 0.387 grey). The original frame is left untouched.
public struct LowLightEnhancer: Sendable {
    /// Mean luma (0-255) below which a frame is enhanced.
    public var threshold: Double
    /// The mean luma the gamma curve aims for.
    public var target: Double = 110

    public init(threshold: Double) {
        self.threshold = threshold
    }

    /// The frame's mean luma and its luma histogram (every 2nd pixel of every 2nd row).
    public static func lumaHistogram(_ image: RGBImage) -> (mean: Double, histogram: [Int]) {
        var histogram = [Int](repeating: 0, count: 256)
        var sum = 0, count = 0
        image.withUnsafePixels { pixels in
            var y = 0
            while y < image.height {
                var x = 0
                while x < image.width {
                    let i = (y * image.width + x) * 3
                    let luma = YCbCr.luma(r: pixels[i], g: pixels[i + 1], b: pixels[i + 2])
                    histogram[luma] += 1
                    sum += luma
                    count += 1
                    x += 2
                }
                y += 2
            }
        }
        return (Double(sum) / Double(max(1, count)), histogram)
    }

    /// Mean luma below which a frame is too dark for enhancement to help: under it HOG
    /// finds fewer than half the faces it finds in full light, even enhanced (measured
    /// with `facegate bench lowlight --brightness 0.1,0.07,0.05`: see docs/DESIGN.md,
    /// "Night"). Fixed, not a policy value: it is a property of the detector, not of
    /// the venue.
    public static let tooDarkLuma = 7.0

    /// Mean luma below which a photo in which no face was found is tried again
    /// enhanced (`FaceEngine+Fallback.swift`). The policy's `low_light_luma` default,
    /// as at the door; a constant of its own because photos are looked at by commands
    /// that load no policy (`detect`, `compare`, `evaluate`), and a photo is enhanced
    /// only after every other pass found nothing, so a brighter one costs nothing.
    public static let darkPhotoLuma = 70.0

    /// The light of a frame and, when it is dark, its enhanced copy. Detection still
    /// runs on a frame that is too dark (an infrared face may still show); the light is
    /// what the door counts.
    public func prepare(_ image: RGBImage) -> (enhanced: RGBImage?, light: FrameLight) {
        let mean = Self.lumaHistogram(image).mean
        guard mean < threshold else { return (nil, mean < Self.tooDarkLuma ? .tooDark : .normal) }
        let enhanced = brightened(image)
        return (enhanced, mean < Self.tooDarkLuma ? .tooDark : (enhanced == nil ? .normal : .enhanced))
    }

    /// The enhanced copy of a dark frame, or nil when the frame is bright enough.
    public func enhance(_ image: RGBImage) -> RGBImage? {
        prepare(image).enhanced
    }

    private func brightened(_ image: RGBImage) -> RGBImage? {
        let width = image.width, height = image.height
        var luma = [UInt8](repeating: 0, count: width * height)
        image.withUnsafePixels { src in
            for p in 0..<(width * height) { luma[p] = UInt8(YCbCr.luma(r: src[p * 3], g: src[p * 3 + 1], b: src[p * 3 + 2])) }
        }
        defer { luma.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
        // Stretching a dark frame stretches its sensor noise too: smooth more when the
        // noise (median gap to a 3x3 mean) is large against the range being stretched.
        var smoothed = Self.boxBlur(luma, width: width, height: height)
        let histogram = Self.histogram(smoothed)
        let spread = max(8, Self.percentile(histogram, 0.99) - Self.percentile(histogram, 0.01))
        let noise = Self.medianGap(luma, smoothed)
        let passes = noise > 0.04 * spread ? 3 : (noise > 0.02 * spread ? 2 : 1)
        for _ in 1..<passes { smoothed = Self.boxBlur(smoothed, width: width, height: height) }
        let finalHistogram = passes == 1 ? histogram : Self.histogram(smoothed)
        let smoothedMean = Double(smoothed.reduce(0) { $0 + Int($1) }) / Double(max(1, smoothed.count))
        guard finalHistogram.contains(where: { $0 > 0 }) else { return nil }
        let table = Self.table(mean: smoothedMean, histogram: finalHistogram, target: target)
        let output = RGBImage(width: width, height: height)
        output.withUnsafeMutablePixels { out in
            for p in 0..<(width * height) {
                let level = table[Int(smoothed[p])]
                out[p * 3] = level
                out[p * 3 + 1] = level
                out[p * 3 + 2] = level
            }
        }
        smoothed.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) }
        return output
    }

    static func histogram(_ plane: [UInt8]) -> [Int] {
        var histogram = [Int](repeating: 0, count: 256)
        for value in plane { histogram[Int(value)] += 1 }
        return histogram
    }

    static func percentile(_ histogram: [Int], _ p: Double) -> Double {
        let total = histogram.reduce(0, +)
        var seen = 0
        for (level, count) in histogram.enumerated() {
            seen += count
            if Double(seen) >= p * Double(total) { return Double(level) }
        }
        return 255
    }

    /// The median of |a - b|, a robust noise level.
    static func medianGap(_ a: [UInt8], _ b: [UInt8]) -> Double {
        var histogram = [Int](repeating: 0, count: 256)
        for i in 0..<a.count { histogram[abs(Int(a[i]) - Int(b[i]))] += 1 }
        return percentile(histogram, 0.5)
    }

    /// A 3x3 mean (separable), edges clamped.
    static func boxBlur(_ plane: [UInt8], width: Int, height: Int) -> [UInt8] {
        var horizontal = [UInt16](repeating: 0, count: plane.count)
        for y in 0..<height {
            let row = y * width
            for x in 0..<width {
                horizontal[row + x] =
                    UInt16(plane[row + max(0, x - 1)]) + UInt16(plane[row + x]) + UInt16(plane[row + min(width - 1, x + 1)])
            }
        }
        var output = [UInt8](repeating: 0, count: plane.count)
        for y in 0..<height {
            let up = max(0, y - 1) * width, here = y * width, down = min(height - 1, y + 1) * width
            for x in 0..<width {
                output[here + x] = UInt8((Int(horizontal[up + x]) + Int(horizontal[here + x]) + Int(horizontal[down + x]) + 4) / 9)
            }
        }
        return output
    }

    static func table(mean: Double, histogram: [Int], target: Double) -> [UInt8] {
        let total = histogram.reduce(0, +)
        _ = total
        let low = percentile(histogram, 0.01), high = max(low + 8, percentile(histogram, 0.99))
        // Stretch first, then choose the gamma that brings the stretched mean to the target.
        let stretchedMean = max(1, min(254, (mean - low) / (high - low) * 255))
        let gamma = max(0.25, min(1, log(target / 255) / log(stretchedMean / 255)))
        return (0..<256).map { level in
            let stretched = max(0, min(1, (Double(level) - low) / (high - low)))
            return UInt8(max(0, min(255, (pow(stretched, gamma) * 255).rounded())))
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
