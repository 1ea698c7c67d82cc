import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

/// How usable one face is for a template: how far it is turned, from the 5-point
/// landmarks, and how sharp its aligned chip is.
///
/// Enrolment holds a face to `FaceQuality.enrolmentBar` (a template is used for years,
/// a good one is worth a retake); identification answers whatever it can.
public struct FaceQuality: Sendable, Equatable {
    /// The nose's offset from the eyes' midpoint along the eye line, as a fraction of
    /// the distance between the eyes' centres (0 for a frontal face; the sign says
    /// which way it is turned).
    public var noseOffset: Double
    /// The eye line's angle from horizontal, in degrees (the chip is aligned, so this
    /// costs a descriptor little; it is reported, not barred).
    public var roll: Double
    /// The variance of a 4-neighbour Laplacian over the aligned 150x150 chip's luma
    /// (BT.601): low when the face is blurred or was upscaled from too few pixels.
    public var sharpness: Double

    /// The landmarks are dlib's 5 points (two corners of each eye, then the base of
    /// the nose); `chip` is the face's aligned chip.
    public init(landmarks: FaceLandmarks, chip: RGBImage) {
        let points = landmarks.points
        precondition(points.count >= 5, "the 5-point landmarks are needed")
        var a = (x: (points[0].x + points[1].x) / 2, y: (points[0].y + points[1].y) / 2)
        var b = (x: (points[2].x + points[3].x) / 2, y: (points[2].y + points[3].y) / 2)
        if a.x > b.x { swap(&a, &b) }
        let ex = b.x - a.x
        let ey = b.y - a.y
        let distance = max(1e-9, (ex * ex + ey * ey).squareRoot())
        let nose = points[4]
        let along = ((nose.x - (a.x + b.x) / 2) * ex + (nose.y - (a.y + b.y) / 2) * ey) / distance
        noseOffset = along / distance
        roll = atan2(ey, ex) * 180 / .pi
        sharpness = Self.laplacianVariance(of: chip)
    }

    public init(noseOffset: Double, roll: Double, sharpness: Double) {
        self.noseOffset = noseOffset
        self.roll = roll
        self.sharpness = sharpness
    }

    /// The nose's depth in front of the eyes' centres as a fraction of the distance
    /// between them, from average head proportions (about 20 mm for 62 mm): turned by
    /// an angle θ, the nose moves `depth · sin θ` while the eyes' distance shrinks to
    /// `cos θ`, so `noseOffset = depth · tan θ`.
    static let noseDepth = 1.0 / 3.0

    /// About how far the face is turned left or right, in degrees (0 is frontal).
    public var yaw: Double { atan(abs(noseOffset) / Self.noseDepth) * 180 / .pi }

    static func laplacianVariance(of image: RGBImage) -> Double {
        let width = image.width
        let height = image.height
        guard width >= 3 && height >= 3 else { return 0 }
        return image.withUnsafePixels { pixels in
            var luma = [Double](repeating: 0, count: width * height)
            for index in 0..<(width * height) {
                luma[index] =
                    0.299 * Double(pixels[3 * index]) + 0.587 * Double(pixels[3 * index + 1]) + 0.114 * Double(pixels[3 * index + 2])
            }
            defer { luma.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
            var sum = 0.0
            var sumOfSquares = 0.0
            for y in 1..<(height - 1) {
                for x in 1..<(width - 1) {
                    let i = y * width + x
                    let value = luma[i - 1] + luma[i + 1] + luma[i - width] + luma[i + width] - 4 * luma[i]
                    sum += value
                    sumOfSquares += value * value
                }
            }
            let n = Double((width - 2) * (height - 2))
            let mean = sum / n
            return sumOfSquares / n - mean * mean
        }
    }
}
