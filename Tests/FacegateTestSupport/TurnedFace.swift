public import FaceEngine

/// A face turned far from the camera, cut in memory from a group photo of
/// `../shared/faces`, that enrolment refuses (HOG still finds it).
public enum TurnedFace {
    /// The photo, relative to `../shared/faces`.
    public static let file = "groups/insightface_t1.jpg"
    /// The region around the turned face (left, top, width, height), with margin: the
    /// man at the top right, turned about 50° (MMOD's box 899,66-1018,186).
    static let region = (left: 779, top: 0, width: 360, height: 306)

    /// The region cut out of the photo.
    public static func crop(_ photo: RGBImage) -> RGBImage {
        photo.cropped(left: region.left, top: region.top, width: region.width, height: region.height)
    }
}

extension RGBImage {
    /// A copy of a rectangle of this image (clamped to it).
    public func cropped(left: Int, top: Int, width: Int, height: Int) -> RGBImage {
        let x0 = max(0, min(self.width - 1, left))
        let y0 = max(0, min(self.height - 1, top))
        let w = max(1, min(width, self.width - x0))
        let h = max(1, min(height, self.height - y0))
        let out = RGBImage(width: w, height: h)
        withUnsafePixels { source in
            out.withUnsafeMutablePixels { target in
                for y in 0..<h {
                    let from = ((y0 + y) * self.width + x0) * 3
                    for i in 0..<(w * 3) { target[y * w * 3 + i] = source[from + i] }
                }
            }
        }
        return out
    }
}
