public import Edge
public import FaceEngine

#if canImport(Glibc)
    import Glibc
#endif

/// Writes 4:2:0 (or 4:4:4) YUV4MPEG2 video from RGB frames. Used by `facegate
/// make-clip`, tests and the demo to turn still photos into a clip; the appliance
/// itself never writes a frame.
public final class Y4MWriter {
    public let width: Int
    public let height: Int
    public let chroma: Y4MReader.Chroma
    private let file: UnsafeMutablePointer<FILE>
    private let path: String

    /// Creates the file (never overwriting one).
    public init(path: String, width: Int, height: Int, fps: Int, chroma: Y4MReader.Chroma = .c420) throws(ClipError) {
        guard width > 0, height > 0, fps > 0 else { throw ClipError(.invalidArgument, "a clip needs a positive size and frame rate") }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0, let file = fdopen(fd, "wb") else {
            throw ClipError(.writeFailed, "cannot create '\(path)': \(String(cString: strerror(errno))) (clips never overwrite a file)")
        }
        self.file = file
        self.path = path
        self.width = width
        self.height = height
        self.chroma = chroma
        let header = "YUV4MPEG2 W\(width) H\(height) F\(fps):1 Ip A1:1 C\(chroma == .c444 ? "444" : "420jpeg")\n"
        fputs(header, file)
    }

    deinit { fclose(file) }

    public func append(_ image: RGBImage) throws(ClipError) {
        guard image.width == width, image.height == height else {
            throw ClipError(.invalidArgument, "frame \(image.width)x\(image.height) does not match the clip's \(width)x\(height)")
        }
        let chromaWidth = chroma == .c444 ? width : (width + 1) / 2
        let chromaHeight = chroma == .c444 ? height : (height + 1) / 2
        var luma = [UInt8](repeating: 0, count: width * height)
        var cbSum = [Int](repeating: 0, count: chromaWidth * chromaHeight)
        var crSum = cbSum, counts = cbSum
        image.withUnsafePixels { pixels in
            for y in 0..<height {
                for x in 0..<width {
                    let i = (y * width + x) * 3
                    let (yy, cb, cr) = YCbCr.ycbcr(r: pixels[i], g: pixels[i + 1], b: pixels[i + 2])
                    luma[y * width + x] = yy
                    let c = (chroma == .c444 ? y : y / 2) * chromaWidth + (chroma == .c444 ? x : x / 2)
                    cbSum[c] += cb
                    crSum[c] += cr
                    counts[c] += 1
                }
            }
        }
        let cb = zip(cbSum, counts).map { YCbCr.clamp(($0 + $1 / 2) / $1) }
        let cr = zip(crSum, counts).map { YCbCr.clamp(($0 + $1 / 2) / $1) }
        fputs("FRAME\n", file)
        for plane in [luma, cb, cr] {
            let written = plane.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            guard written == plane.count else {
                throw ClipError(.writeFailed, "writing '\(path)' failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    public func finish() throws(ClipError) {
        guard fflush(file) == 0 else { throw ClipError(.writeFailed, "writing '\(path)' failed: \(String(cString: strerror(errno)))") }
    }
}
