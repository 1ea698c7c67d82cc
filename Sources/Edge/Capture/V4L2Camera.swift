internal import CV4L2
import FaceEngine
import FacegateCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A V4L2 camera through libv4l2, so YUYV and MJPEG cameras both arrive as RGB24 (and
/// monochrome or infrared cameras as grey, `CameraPixelFormat`):
/// mmap streaming, the requested size and frame rate (or the closest the driver
/// grants), and reconnection when the camera is unplugged and comes back.
public final class V4L2Camera: FrameSource, @unchecked Sendable {
    public let device: String
    public let request: CameraFormat.Request
    public var name: String { "v4l2:" + device }
    public private(set) var frameRate: Double?
    public private(set) var width = 0
    public private(set) var height = 0
    private var bytesPerLine = 0
    /// What the driver (or libv4l2) delivers; luma formats are converted row by row.
    public private(set) var pixelFormat = CameraPixelFormat.rgb24
    private var fd: Int32 = -1
    private var buffers: [(pointer: UnsafeMutableRawPointer, length: Int)] = []
    private var frameIndex = 0
    private let start = ContinuousClock.now
    private let reconnect = ReconnectPolicy()
    /// Checked between reconnection attempts so that shutdown is not blocked; set by
    /// the pipeline's thread while this one reads it.
    private let stopCondition = Mutex<@Sendable () -> Bool>({ false })

    /// A camera is live: frames are dropped, not queued, when the pipeline falls behind.
    public var isLive: Bool { true }

    public func stopWaiting(when shouldStop: @escaping @Sendable () -> Bool) {
        stopCondition.withLock { $0 = shouldStop }
    }

    private func shouldStop() -> Bool { stopCondition.withLock { $0 }() }

    public init(device: String, request: CameraFormat.Request) throws(CaptureError) {
        self.device = device
        self.request = request
        try openDevice()
    }

    deinit { closeDevice() }

    /// Whether any V4L2 capture device node exists.
    public static func availableDevices() -> [String] {
        (0..<64).map { "/dev/video\($0)" }.filter { access($0, F_OK) == 0 }
    }

    private func openDevice() throws(CaptureError) {
        let handle = fg_v4l2_open(device)
        guard handle >= 0 else {
            let code = errno
            switch code {
            case ENOENT, ENODEV, ENXIO:
                throw CaptureError(.notFound, "no camera at \(device); plug one in, or pass --source y4m:PATH or dir:PATH")
            case EBUSY:
                throw CaptureError(.busy, "the camera \(device) is in use by another program; stop it and retry")
            case EACCES, EPERM:
                throw CaptureError(.notFound, "no permission to open \(device); add the service user to the 'video' group (see deploy/)")
            default:
                throw CaptureError(.notFound, "cannot open \(device): \(String(cString: strerror(code)))")
            }
        }
        fd = handle
        do {
            try configure()
        } catch {
            closeDevice()
            throw error
        }
    }

    private func configure() throws(CaptureError) {
        var capability = v4l2_capability()
        guard fg_v4l2_ioctl(fd, FG_VIDIOC_QUERYCAP, &capability) == 0 else {
            throw CaptureError(.unsupported, "\(device) is not a V4L2 device: \(String(cString: strerror(errno)))")
        }
        let caps = capability.device_caps != 0 ? capability.device_caps : capability.capabilities
        guard caps & UInt32(V4L2_CAP_VIDEO_CAPTURE) != 0, caps & UInt32(V4L2_CAP_STREAMING) != 0 else {
            throw CaptureError(
                .unsupported, "\(device) cannot capture video by streaming (is it a metadata node? try the next /dev/videoN)")
        }
        var format = v4l2_format()
        format.type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        format.fmt.pix.width = UInt32(request.width)
        format.fmt.pix.height = UInt32(request.height)
        format.fmt.pix.pixelformat = FG_V4L2_PIX_FMT_RGB24
        format.fmt.pix.field = UInt32(V4L2_FIELD_NONE.rawValue)
        guard fg_v4l2_ioctl(fd, FG_VIDIOC_S_FMT, &format) == 0 else {
            let code = errno
            throw CaptureError(
                code == EBUSY ? .busy : .unsupported,
                "\(device) refused the format \(request.width)x\(request.height) RGB24: \(String(cString: strerror(code)))")
        }
        width = Int(format.fmt.pix.width)
        height = Int(format.fmt.pix.height)
        // libv4l2 passes through the luma formats it cannot convert (an infrared camera's
        // Y10, Y12, Y16): they are read as grey.
        let granted = CameraPixelFormat(fourcc: format.fmt.pix.pixelformat)
        bytesPerLine = max(Int(format.fmt.pix.bytesperline), width * (granted?.bytesPerPixel ?? 3))
        if let problem = CameraFormat.accept(width: width, height: height, bytesPerLine: bytesPerLine, format: granted) {
            throw CaptureError(.unsupported, "\(device): \(problem)")
        }
        pixelFormat = granted ?? .rgb24
        var parameters = v4l2_streamparm()
        parameters.type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        parameters.parm.capture.timeperframe = v4l2_fract(numerator: 1, denominator: UInt32(request.fps))
        if fg_v4l2_ioctl(fd, FG_VIDIOC_S_PARM, &parameters) == 0, parameters.parm.capture.timeperframe.numerator > 0 {
            frameRate = Double(parameters.parm.capture.timeperframe.denominator) / Double(parameters.parm.capture.timeperframe.numerator)
        }
        var buffersRequest = v4l2_requestbuffers()
        buffersRequest.count = 4
        buffersRequest.type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        buffersRequest.memory = UInt32(V4L2_MEMORY_MMAP.rawValue)
        guard fg_v4l2_ioctl(fd, FG_VIDIOC_REQBUFS, &buffersRequest) == 0, buffersRequest.count >= 2 else {
            throw CaptureError(.unsupported, "\(device) has no memory-mapped streaming buffers: \(String(cString: strerror(errno)))")
        }
        for index in 0..<buffersRequest.count {
            var buffer = v4l2_buffer()
            buffer.type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
            buffer.memory = UInt32(V4L2_MEMORY_MMAP.rawValue)
            buffer.index = index
            guard fg_v4l2_ioctl(fd, FG_VIDIOC_QUERYBUF, &buffer) == 0 else {
                throw CaptureError(.unsupported, "\(device): querying buffer \(index) failed: \(String(cString: strerror(errno)))")
            }
            let mapped = v4l2_mmap(nil, Int(buffer.length), PROT_READ | PROT_WRITE, MAP_SHARED, fd, Int64(buffer.m.offset))
            guard let mapped, mapped != MAP_FAILED else {
                throw CaptureError(.unsupported, "\(device): mapping buffer \(index) failed: \(String(cString: strerror(errno)))")
            }
            buffers.append((mapped, Int(buffer.length)))
            guard fg_v4l2_ioctl(fd, FG_VIDIOC_QBUF, &buffer) == 0 else {
                throw CaptureError(.unsupported, "\(device): queueing buffer \(index) failed: \(String(cString: strerror(errno)))")
            }
        }
        var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        guard fg_v4l2_ioctl(fd, FG_VIDIOC_STREAMON, &type) == 0 else {
            let code = errno
            throw CaptureError(
                code == EBUSY ? .busy : .unsupported, "\(device): starting the stream failed: \(String(cString: strerror(code)))")
        }
    }

    private func closeDevice() {
        guard fd >= 0 else { return }
        var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        _ = fg_v4l2_ioctl(fd, FG_VIDIOC_STREAMOFF, &type)
        for buffer in buffers {
            wipeMemory(buffer.pointer, buffer.length)
            v4l2_munmap(buffer.pointer, buffer.length)
        }
        buffers.removeAll()
        v4l2_close(fd)
        fd = -1
    }

    /// The next frame; waits for the camera, and when it disappears, keeps trying to
    /// reopen it (unless told to stop, then returns nil).
    public func nextFrame() throws -> Frame? {
        var attempt = 0
        while true {
            if fd < 0 {
                if shouldStop() { return nil }
                usleep(UInt32(reconnect.delay(attempt: attempt) * 1_000_000))
                attempt += 1
                if let failure = tryOpen() {
                    guard failure.code == .notFound || failure.code == .busy else { throw failure }
                    continue
                }
                attempt = 0
            }
            switch capture() {
            case .frame(let frame): return frame
            case .timeout: if shouldStop() { return nil }
            case .gone: closeDevice()
            case .failed(let message): throw CaptureError(.disconnected, message)
            }
        }
    }

    /// Opens the device, returning the failure instead of throwing it.
    private func tryOpen() -> CaptureError? {
        do {
            try openDevice()
            return nil
        } catch {
            return error
        }
    }

    private enum Outcome {
        case frame(Frame), timeout, gone, failed(String)
    }

    private func capture() -> Outcome {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, 1000)
        if ready == 0 { return .timeout }
        if ready < 0 { return errno == EINTR ? .timeout : .gone }
        if descriptor.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 { return .gone }
        var buffer = v4l2_buffer()
        buffer.type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        buffer.memory = UInt32(V4L2_MEMORY_MMAP.rawValue)
        guard fg_v4l2_ioctl(fd, FG_VIDIOC_DQBUF, &buffer) == 0 else {
            let code = errno
            if code == EAGAIN { return .timeout }
            return ReconnectPolicy.isDisconnection(errno: code)
                ? .gone : .failed("\(device): reading a frame failed: \(String(cString: strerror(code)))")
        }
        defer { _ = fg_v4l2_ioctl(fd, FG_VIDIOC_QBUF, &buffer) }
        let source = buffers[Int(buffer.index)].pointer
        let image = RGBImage(width: width, height: height)
        image.withUnsafeMutablePixels { out in
            for row in 0..<height {
                pixelFormat.convertRow(source.advanced(by: row * bytesPerLine), width: width, into: out.baseAddress! + row * width * 3)
            }
        }
        defer { frameIndex += 1 }
        return .frame(Frame(image: image, index: frameIndex, timestamp: (ContinuousClock.now - start).milliseconds / 1000))
    }

    public func close() { closeDevice() }
}
