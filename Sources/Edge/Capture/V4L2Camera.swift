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
///
/// A request with a pixel format of its own (`format=YUYV`) opens the device directly
/// and asks the driver for that format: luma formats are read by `CameraPixelFormat`,
/// any other is converted to RGB24 by libv4lconvert (the conversions libv4l2 itself
/// uses), so an installer can choose MJPEG over YUYV at a size where the USB bus
/// cannot carry YUYV at the frame rate, or the other way round to spare the CPU.
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
    /// The camera's own format when libv4lconvert turns it into RGB24 (`YUYV`), else nil.
    public private(set) var convertedFormat: String?
    private var converter: OpaquePointer?
    private var sourceFormat = v4l2_format()
    private var convertedFrames = 0
    private var fd: Int32 = -1
    private var buffers: [(pointer: UnsafeMutableRawPointer, length: Int)] = []
    private var frameIndex = 0
    private let start = ContinuousClock.now
    private let reconnect = ReconnectPolicy()
    /// Checked between reconnection attempts so that shutdown is not blocked; set by
    /// the pipeline's thread while this one reads it.
    private let stopCondition = Mutex<@Sendable () -> Bool>({ false })
    /// Told when the camera goes (false) and when frames come again (true).
    private let connectionHandler = Mutex<(@Sendable (Bool) -> Void)?>(nil)
    /// The camera is gone and not yet back (read and written by the reading thread).
    private var lost = false

    /// A camera is live: frames are dropped, not queued, when the pipeline falls behind.
    public var isLive: Bool { true }

    public func stopWaiting(when shouldStop: @escaping @Sendable () -> Bool) {
        stopCondition.withLock { $0 = shouldStop }
    }

    private func shouldStop() -> Bool { stopCondition.withLock { $0 }() }

    public func reportConnection(to handler: @escaping @Sendable (Bool) -> Void) {
        connectionHandler.withLock { $0 = handler }
        if lost { handler(false) }
    }

    private func connection(_ up: Bool) {
        guard lost == up else { return }
        lost = !up
        connectionHandler.withLock { $0 }?(up)
    }

    /// Opens and starts the camera. With `waitIfMissing`, a device that does not exist
    /// (yet) is not an error: the first `nextFrame` waits for it as for a camera
    /// unplugged later (the daemon at boot, before udev has made the node).
    public init(device: String, request: CameraFormat.Request, waitIfMissing: Bool = false) throws(CaptureError) {
        self.device = device
        self.request = request
        fg_v4l2_quiet()
        do {
            try openDevice()
        } catch  where waitIfMissing && error.code == .notFound && access(device, F_OK) != 0 {
            lost = true
        }
    }

    deinit { closeDevice() }

    /// The V4L2 nodes that capture video (`CameraDevice`): not a driver's output or
    /// metadata nodes, which are no camera.
    public static func availableDevices() -> [String] {
        CameraDevice.captureDevices().map(\.path)
    }

    /// Whether the camera is not there: missing at start, or lost and not yet back.
    public var isWaiting: Bool { fd < 0 }

    /// What the camera delivers, for logs and `doctor`: `640x480 RGB24`, `640x480 YUYV
    /// (converted by libv4lconvert)`, `640x480 Y16 (16-bit luma)`; empty before it opened.
    public var formatDescription: String {
        guard width > 0 else { return "" }
        let format = convertedFormat.map { "\(String($0.prefix { $0 != " " })) (converted by libv4lconvert)" } ?? pixelFormat.name
        return "\(width)x\(height) \(format)" + (frameRate.map { " at \(Int($0.rounded())) fps" } ?? "")
    }

    private var busy: CaptureError {
        CaptureError(.busy, "the camera \(device) is in use by another program; stop it and retry")
    }

    private func openDevice() throws(CaptureError) {
        // Through libv4l2 unless a format of the camera's own was asked for.
        let handle = request.pixelFormat == nil ? fg_v4l2_open(device) : fg_v4l2_open_direct(device)
        guard handle >= 0 else {
            let code = errno
            switch code {
            case ENOENT, ENODEV, ENXIO:
                throw CaptureError(.notFound, "no camera at \(device); plug one in, or pass --source y4m:PATH or dir:PATH")
            case EBUSY:
                throw busy
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
        let wanted = request.pixelFormat.map(CameraFormat.fourcc) ?? FG_V4L2_PIX_FMT_RGB24
        let wantedName = request.pixelFormat.map { String($0.prefix { $0 != " " }) } ?? "RGB24"
        var format = v4l2_format()
        format.type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        format.fmt.pix.width = UInt32(request.width)
        format.fmt.pix.height = UInt32(request.height)
        format.fmt.pix.pixelformat = wanted
        format.fmt.pix.field = UInt32(V4L2_FIELD_NONE.rawValue)
        guard fg_v4l2_ioctl(fd, FG_VIDIOC_S_FMT, &format) == 0 else {
            let code = errno
            // Another program streaming from the camera owns its format.
            if code == EBUSY { throw busy }
            throw CaptureError(
                .unsupported,
                "\(device) refused the format \(request.width)x\(request.height) \(wantedName): \(String(cString: strerror(code)))")
        }
        width = Int(format.fmt.pix.width)
        height = Int(format.fmt.pix.height)
        let granted: CameraPixelFormat?
        if let asked = request.pixelFormat {
            guard format.fmt.pix.pixelformat == wanted else {
                throw CaptureError(
                    .unsupported,
                    "\(device) does not send \(wantedName) (it offered \(CameraFormat.fourccText(format.fmt.pix.pixelformat)) instead); leave format= out of the source, or choose one `facegate doctor` lists"
                )
            }
            if let own = CameraPixelFormat(fourcc: wanted) {
                granted = own
                convertedFormat = nil
            } else {
                // libv4lconvert turns it into RGB24 frame by frame.
                guard let data = v4lconvert_create(fd) else {
                    throw CaptureError(.unsupported, "\(device): libv4lconvert could not be set up for \(wantedName)")
                }
                converter = data
                sourceFormat = format
                convertedFormat = asked
                convertedFrames = 0
                granted = .rgb24
            }
        } else {
            // libv4l2 passes through the luma formats it cannot convert (an infrared
            // camera's Y10, Y12, Y16): they are read as grey.
            granted = CameraPixelFormat(fourcc: format.fmt.pix.pixelformat)
        }
        let sourceBytes = convertedFormat == nil ? (granted?.bytesPerPixel ?? 3) : 1
        bytesPerLine = max(Int(format.fmt.pix.bytesperline), width * sourceBytes)
        if let problem = CameraFormat.accept(
            width: width, height: height, bytesPerLine: convertedFormat == nil ? bytesPerLine : width * 3, format: granted)
        {
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
            if errno == EBUSY { throw busy }
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
            if code == EBUSY { throw busy }
            throw CaptureError(.unsupported, "\(device): starting the stream failed: \(String(cString: strerror(code)))")
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
        if let converter { v4lconvert_destroy(converter) }
        converter = nil
        v4l2_close(fd)
        fd = -1
    }

    /// The next frame; waits for the camera, and when it disappears (or was not there at
    /// start), keeps trying to reopen it (unless told to stop, then returns nil).
    public func nextFrame() throws -> Frame? {
        var attempt = 0
        while true {
            if fd < 0 {
                // The backoff in short slices, so that stopping is never kept waiting.
                let resume = ContinuousClock.now.advanced(by: .seconds(reconnect.delay(attempt: attempt)))
                while ContinuousClock.now < resume {
                    if shouldStop() { return nil }
                    usleep(50_000)
                }
                if shouldStop() { return nil }
                attempt += 1
                if let failure = tryOpen() {
                    guard failure.code == .notFound || failure.code == .busy else { throw failure }
                    continue
                }
                attempt = 0
            }
            switch capture() {
            case .frame(let frame):
                connection(true)
                return frame
            case .timeout:
                if shouldStop() { return nil }
            case .gone:
                closeDevice()
                connection(false)
            case .failed(let error):
                throw error
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
        case frame(Frame), timeout, gone, failed(CaptureError)
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
            return ReconnectPolicy.isDisconnection(frameReadErrno: code)
                ? .gone : .failed(CaptureError(.disconnected, "\(device): reading a frame failed: \(String(cString: strerror(code)))"))
        }
        defer { _ = fg_v4l2_ioctl(fd, FG_VIDIOC_QBUF, &buffer) }
        let source = buffers[Int(buffer.index)].pointer
        let image = RGBImage(width: width, height: height)
        if let converter {
            var destination = v4l2_format()
            destination.type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
            destination.fmt.pix.width = UInt32(width)
            destination.fmt.pix.height = UInt32(height)
            destination.fmt.pix.pixelformat = FG_V4L2_PIX_FMT_RGB24
            destination.fmt.pix.bytesperline = UInt32(width * 3)
            destination.fmt.pix.sizeimage = UInt32(width * height * 3)
            destination.fmt.pix.field = UInt32(V4L2_FIELD_NONE.rawValue)
            let written = image.withUnsafeMutablePixels { out in
                v4lconvert_convert(
                    converter, &sourceFormat, &destination, source.assumingMemoryBound(to: UInt8.self), Int32(buffer.bytesused),
                    out.baseAddress, Int32(out.count))
            }
            guard written == width * height * 3 else {
                // A damaged compressed frame now and then is skipped; a format that never
                // converts is a configuration to change.
                if convertedFrames == 0 {
                    let message = String(cString: v4lconvert_get_error_message(converter))
                    return .failed(
                        CaptureError(
                            .unsupported,
                            "\(device): libv4lconvert cannot turn \(convertedFormat ?? "") into RGB24 (\(message)); leave format= out of the source, or choose another format"
                        ))
                }
                return .timeout
            }
            convertedFrames += 1
        } else {
            image.withUnsafeMutablePixels { out in
                for row in 0..<height {
                    pixelFormat.convertRow(source.advanced(by: row * bytesPerLine), width: width, into: out.baseAddress! + row * width * 3)
                }
            }
        }
        defer { frameIndex += 1 }
        return .frame(Frame(image: image, index: frameIndex, timestamp: (ContinuousClock.now - start).milliseconds / 1000))
    }

    public func close() { closeDevice() }
}
