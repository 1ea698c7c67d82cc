public import FaceEngine

/// Resizes and places photos on a canvas: how `make-clip`, the benchmarks and the
/// tests build scenes (a person at the door, faces in the background) from still
/// photos, in memory.
public enum FrameComposer {
    /// A canvas of one grey level.
    public static func canvas(width: Int, height: Int, gray: UInt8 = 96) -> RGBImage {
        let image = RGBImage(width: width, height: height)
        image.withUnsafeMutablePixels { $0.update(repeating: gray) }
        return image
    }

    /// `source` resized (bilinear, area-averaged when shrinking a lot) to `width`x`height`.
    public static func resized(_ source: RGBImage, width: Int, height: Int) -> RGBImage {
        let output = RGBImage(width: width, height: height)
        let sx = Double(source.width) / Double(width), sy = Double(source.height) / Double(height)
        // Shrinking by more than 2x: average a small box of source pixels, to avoid aliasing.
        let box = max(1, Int(min(sx, sy) / 2))
        source.withUnsafePixels { src in
            output.withUnsafeMutablePixels { out in
                for y in 0..<height {
                    let fy = (Double(y) + 0.5) * sy - 0.5
                    let y0 = max(0, min(source.height - 1, Int(fy.rounded(.down))))
                    let y1 = min(source.height - 1, y0 + 1)
                    let wy = max(0, min(1, fy - Double(y0)))
                    for x in 0..<width {
                        let fx = (Double(x) + 0.5) * sx - 0.5
                        let x0 = max(0, min(source.width - 1, Int(fx.rounded(.down))))
                        let x1 = min(source.width - 1, x0 + 1)
                        let wx = max(0, min(1, fx - Double(x0)))
                        for c in 0..<3 {
                            func sample(_ px: Int, _ py: Int) -> Double {
                                if box == 1 { return Double(src[(py * source.width + px) * 3 + c]) }
                                var sum = 0, n = 0
                                for dy in 0..<box where py + dy < source.height {
                                    for dx in 0..<box where px + dx < source.width {
                                        sum += Int(src[((py + dy) * source.width + px + dx) * 3 + c])
                                        n += 1
                                    }
                                }
                                return Double(sum) / Double(max(1, n))
                            }
                            let top = sample(x0, y0) * (1 - wx) + sample(x1, y0) * wx
                            let bottom = sample(x0, y1) * (1 - wx) + sample(x1, y1) * wx
                            out[(y * width + x) * 3 + c] = UInt8(max(0, min(255, (top * (1 - wy) + bottom * wy).rounded())))
                        }
                    }
                }
            }
        }
        return output
    }

    /// `source` scaled to fit inside `width`x`height`, keeping its aspect ratio.
    public static func fitted(_ source: RGBImage, width: Int, height: Int) -> RGBImage {
        let scale = min(Double(width) / Double(source.width), Double(height) / Double(source.height))
        return resized(source, width: max(1, Int(Double(source.width) * scale)), height: max(1, Int(Double(source.height) * scale)))
    }

    /// Copies `image` onto `canvas` with its top-left corner at (`x`, `y`), clipped.
    public static func place(_ image: RGBImage, on canvas: RGBImage, x: Int, y: Int) {
        image.withUnsafePixels { src in
            canvas.withUnsafeMutablePixels { out in
                for row in 0..<image.height {
                    let cy = y + row
                    guard cy >= 0, cy < canvas.height else { continue }
                    for column in 0..<image.width {
                        let cx = x + column
                        guard cx >= 0, cx < canvas.width else { continue }
                        let s = (row * image.width + column) * 3, d = (cy * canvas.width + cx) * 3
                        out[d] = src[s]
                        out[d + 1] = src[s + 1]
                        out[d + 2] = src[s + 2]
                    }
                }
            }
        }
    }

    /// A copy of `image`, darkened to `brightness` (0-1) with Gaussian-like noise of
    /// `noise` grey levels, seeded: a night-time test image.
    public static func darkened(_ image: RGBImage, brightness: Double, noise: Double, seed: UInt64) -> RGBImage {
        let output = RGBImage(width: image.width, height: image.height)
        var state = seed | 1
        func uniform() -> Double {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Double(state >> 11) / Double(1 << 53)
        }
        image.withUnsafePixels { src in
            output.withUnsafeMutablePixels { out in
                for i in 0..<src.count {
                    // Sum of uniforms ≈ normal, standard deviation `noise`.
                    let n = (uniform() + uniform() + uniform() + uniform() - 2) * noise * 1.732
                    out[i] = UInt8(max(0, min(255, (Double(src[i]) * brightness + n).rounded())))
                }
            }
        }
        return output
    }
}
