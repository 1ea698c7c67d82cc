import FaceEngine
import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reads YUV4MPEG2 (`.y4m`) video: 4:2:0 (any chroma siting) and 4:4:4, 8-bit.
/// The video format tests and demos use; frames are converted to RGB in memory.
public final class Y4MReader: FrameSource, @unchecked Sendable {
    public let name: String
    public let width: Int
    public let height: Int
    public let frameRate: Double?
    public let chroma: Chroma
    public let fullRange: Bool
    private let file: UnsafeMutablePointer<FILE>
    private let dataStart: Int
    private var frameIndex = 0
    private var plane: [UInt8]

    public enum Chroma: String, Sendable {
        case c420 = "420", c444 = "444"
    }

    public init(path: String) throws(CaptureError) {
        name = "y4m:" + path
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
            throw CaptureError(.malformed, "'\(path)' is not a regular file; a Y4M source is a video file")
        }
        guard let file = fopen(path, "rbe") else {
            let code = errno
            throw CaptureError(
                code == ENOENT ? .notFound : .malformed, "cannot open the video '\(path)': \(String(cString: strerror(code)))")
        }
        self.file = file
        var header: [UInt8] = []
        var ended = false
        while header.count < 4096 {
            let c = fgetc(file)
            if c == EOF { break }
            if c == 0x0A {
                ended = true
                break
            }
            header.append(UInt8(c))
        }
        guard ended else {
            fclose(file)
            throw CaptureError(
                .malformed,
                header.count >= 4096
                    ? "'\(path)' has no end to its Y4M header in its first 4096 bytes: it is not a YUV4MPEG2 video, or it is damaged"
                    : "'\(path)' ends inside its Y4M header: it is empty or truncated")
        }
        let fields = String(decoding: header, as: UTF8.self).split(separator: " ")
        guard fields.first == "YUV4MPEG2" else {
            fclose(file)
            throw CaptureError(.malformed, "'\(path)' is not a YUV4MPEG2 (.y4m) video: its header does not start with YUV4MPEG2")
        }
        var width = 0, height = 0, rate: Double?, chroma = Chroma.c420, fullRange = false
        for field in fields.dropFirst() {
            let value = field.dropFirst()
            switch field.first {
            case "W": width = Int(value) ?? 0
            case "H": height = Int(value) ?? 0
            case "F":
                let parts = value.split(separator: ":")
                if parts.count == 2, let n = Double(parts[0]), let d = Double(parts[1]), d > 0, n > 0 { rate = n / d }
            case "C":
                if value.hasPrefix("444") && !value.hasPrefix("444alpha") {
                    chroma = .c444
                } else if value.hasPrefix("420") {
                    chroma = .c420
                } else {
                    fclose(file)
                    throw CaptureError(
                        .unsupported,
                        "'\(path)' uses colour space C\(value); facegate reads 4:2:0 and 4:4:4 8-bit Y4M (convert with ffmpeg -pix_fmt yuv420p)"
                    )
                }
            case "X":
                if value == "COLORRANGE=FULL" { fullRange = true }
            default: break
            }
        }
        guard width > 0, height > 0, width <= 8192, height <= 8192 else {
            fclose(file)
            throw CaptureError(.malformed, "'\(path)' has an invalid frame size \(width)x\(height)")
        }
        self.width = width
        self.height = height
        self.frameRate = rate
        self.chroma = chroma
        self.fullRange = fullRange
        dataStart = ftell(file)
        let chromaBytes = chroma == .c444 ? width * height : ((width + 1) / 2) * ((height + 1) / 2)
        plane = [UInt8](repeating: 0, count: width * height + 2 * chromaBytes)
    }

    deinit {
        wipePlane()
        fclose(file)
    }

    private func wipePlane() {
        plane.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) }
    }

    public func nextFrame() throws -> Frame? {
        var marker: [UInt8] = []
        while true {
            let c = fgetc(file)
            if c == EOF {
                if marker.isEmpty { return nil }
                throw CaptureError(.malformed, "\(name): the file ends inside a frame header (truncated)")
            }
            if c == 0x0A { break }
            marker.append(UInt8(c))
            if marker.count > 256 { throw CaptureError(.malformed, "\(name): a frame header is too long") }
        }
        guard marker.starts(with: Array("FRAME".utf8)) else {
            throw CaptureError(.malformed, "\(name): expected FRAME at frame \(frameIndex)")
        }
        let count = plane.count
        let read = plane.withUnsafeMutableBytes { fread($0.baseAddress, 1, count, file) }
        guard read == count else {
            throw CaptureError(.malformed, "\(name): frame \(frameIndex) is truncated (\(read) of \(count) bytes)")
        }
        let image = RGBImage(width: width, height: height)
        convert(into: image)
        defer { frameIndex += 1 }
        return Frame(image: image, index: frameIndex, timestamp: Double(frameIndex) / (frameRate ?? 25))
    }

    public func rewind() throws {
        fseek(file, dataStart, SEEK_SET)
        frameIndex = 0
    }

    public func close() {}

    private func convert(into image: RGBImage) {
        let width = self.width, height = self.height, fullRange = self.fullRange
        let chromaWidth = chroma == .c444 ? width : (width + 1) / 2
        let chromaHeight = chroma == .c444 ? height : (height + 1) / 2
        let subsampled = chroma == .c420
        plane.withUnsafeBufferPointer { yuv in
            let cbBase = width * height, crBase = cbBase + chromaWidth * chromaHeight
            image.withUnsafeMutablePixels { out in
                for y in 0..<height {
                    let cy = subsampled ? y / 2 : y
                    for x in 0..<width {
                        let cx = subsampled ? x / 2 : x
                        let (r, g, b) = YCbCr.rgb(
                            y: yuv[y * width + x], cb: yuv[cbBase + cy * chromaWidth + cx], cr: yuv[crBase + cy * chromaWidth + cx],
                            fullRange: fullRange)
                        let o = (y * width + x) * 3
                        out[o] = r
                        out[o + 1] = g
                        out[o + 2] = b
                    }
                }
            }
        }
    }
}
