/// The pure decisions of camera set-up, kept apart from the device code so that they
/// can be tested on a machine without a camera.
public enum CameraFormat {
    /// What `run` asks of the camera.
    public struct Request: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var fps: Int

        public init(width: Int, height: Int, fps: Int) {
            self.width = width
            self.height = height
            self.fps = fps
        }
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
}

#if canImport(Glibc)
    import Glibc
#endif
