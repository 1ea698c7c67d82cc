internal import CDlibFace
import FacegateCore

extension RGBImage {
    /// A copy shrunk to `width` x `height` by area averaging (each pixel the mean of
    /// the area it covers), in memory and wiped when released like any image. Used to
    /// give HOG a large photo at the size a detection plan chose.
    public func downscaled(toWidth width: Int, height: Int) throws(FaceEngineError) -> RGBImage {
        guard width > 0, height > 0, width <= self.width, height <= self.height else {
            throw FaceEngineError(
                .invalidArgument, "cannot downscale a \(self.width)x\(self.height) image to \(width)x\(height)")
        }
        let smaller = RGBImage(width: width, height: height)
        var error = fg_error()
        let status = fg_image_downscale(
            view, Int32(width), Int32(height), smaller.pixels.baseAddress!.assumingMemoryBound(to: UInt8.self), &error)
        guard status == FG_OK else { throw FaceEngineError(status: status, error, context: "downscaling") }
        return smaller
    }
}
