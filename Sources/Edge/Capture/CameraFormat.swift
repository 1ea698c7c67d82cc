/// The pure decisions of camera set-up, kept apart from the device code so that they
/// can be tested on a machine without a camera.
public enum CameraFormat {
    /// What `run` asks of the camera.
    public struct Request: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var fps: Int
        /// The camera's own pixel format to ask for, as a V4L2 fourcc of four characters
        /// (`YUYV`, `MJPG`, `GREY`, `Y10 `, `Y16 `); nil lets libv4l2 choose one and
        /// convert it to RGB24 (`format=` in the source, read by `fourcc(parsing:)`).
        public var pixelFormat: String?

        public init(width: Int, height: Int, fps: Int, pixelFormat: String? = nil) {
            self.width = width
            self.height = height
            self.fps = fps
            self.pixelFormat = pixelFormat
        }
    }

    /// A source's `format=` as the fourcc V4L2 names: upper case, padded with spaces to
    /// four characters (`y10` is `Y10 `); nil for text that cannot be one.
    public static func fourcc(parsing text: String) -> String? {
        let upper = text.uppercased()
        guard (1...4).contains(upper.count), upper.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            return nil
        }
        return upper + String(repeating: " ", count: 4 - upper.count)
    }

    /// A fourcc as V4L2 numbers it (`v4l2_fourcc(a, b, c, d)`).
    public static func fourcc(_ text: String) -> UInt32 {
        Array(text.utf8.prefix(4)).enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
    }

    /// A fourcc number as its four characters (trailing spaces kept), with `-BE` for a
    /// big-endian variant (bit 31 set, as V4L2 marks `Y16 -BE` and v4l2-ctl writes it).
    public static func fourccText(_ code: UInt32) -> String {
        let bigEndian: UInt32 = 1 << 31
        let text = String(decoding: (0..<4).map { UInt8(truncatingIfNeeded: (code & ~bigEndian) >> (8 * $0)) }, as: UTF8.self)
        return code & bigEndian != 0 ? text + "-BE" : text
    }

    /// Among the sizes a camera offers, the one to use for a request: the exact size if
    /// offered, else the smallest that covers it (detection can downscale), else the
    /// largest available.
    public static func chooseSize(offered: [(width: Int, height: Int)], request: Request) -> (width: Int, height: Int)? {
        guard !offered.isEmpty else { return nil }
        if let exact = offered.first(where: { $0.width == request.width && $0.height == request.height }) { return exact }
        let covering = offered.filter { $0.width >= request.width && $0.height >= request.height }
        if let smallest = covering.min(by: { $0.width * $0.height < $1.width * $1.height }) { return smallest }
        return offered.max(by: { $0.width * $0.height < $1.width * $1.height })
    }

    /// Whether what the driver granted is usable: a format the pipeline reads (RGB24,
    /// which libv4l2 makes of YUYV and MJPEG, or a luma format of a monochrome or
    /// infrared camera), a plausible size, and rows long enough for the width.
    public static func accept(width: Int, height: Int, bytesPerLine: Int, format: CameraPixelFormat?) -> String? {
        guard let format else {
            return "the camera delivers neither RGB24 (even through libv4l2's conversion) nor 8- to 16-bit luma"
        }
        guard width >= 160, height >= 120, width <= 8192, height <= 8192 else {
            return "the camera granted an unusable size \(width)x\(height)"
        }
        guard bytesPerLine >= width * format.bytesPerPixel else {
            return "the camera reported \(bytesPerLine) bytes per row for \(width) pixels of \(format.name)"
        }
        return nil
    }
}

/// When to try reopening a camera that went away (unplugged, driver reset): quickly
/// at first, then every few seconds, forever, so the door comes back by itself.
public struct ReconnectPolicy: Sendable, Equatable {
    public var initialDelay: Double
    public var maximumDelay: Double
    public var multiplier: Double

    public init(initialDelay: Double = 0.25, maximumDelay: Double = 5, multiplier: Double = 2) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.multiplier = multiplier
    }

    /// The wait before attempt `attempt` (0-based).
    public func delay(attempt: Int) -> Double {
        var delay = initialDelay
        for _ in 0..<max(0, attempt) {
            delay *= multiplier
            if delay >= maximumDelay { return maximumDelay }
        }
        return min(delay, maximumDelay)
    }

    /// Whether an errno from the device means "gone, try again later" rather than a
    /// configuration mistake that retrying will not fix.
    public static func isDisconnection(errno code: Int32) -> Bool {
        [ENODEV, EIO, ENXIO, ENOENT, EPIPE].contains(code)
    }

    /// Whether an errno from reading a frame (DQBUF) of a streaming camera means it went
    /// away. EINVAL too: when a driver is unbound (a camera unplugged, a USB reset), its
    /// queue is torn down under the reader, and the next DQBUF answers EINVAL, not
    /// ENODEV (vivid did, in the first runs against it). Reopening is the cure either way.
    public static func isDisconnection(frameReadErrno code: Int32) -> Bool {
        code == EINVAL || isDisconnection(errno: code)
    }
}

#if canImport(Glibc)
    import Glibc
#endif
