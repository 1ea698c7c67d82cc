internal import CRTSP
import FaceEngine
import FacegateCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An IP camera over RTSP, through GStreamer (`CRTSP`): H.264 or MJPEG decoded to RGB in
/// memory, never to a file; frames wider than `maximumWidth` scaled down; only the newest
/// frame kept, so a slow pipeline drops frames instead of falling behind the door.
/// When the stream stops (the camera rebooted, a cable pulled) it reconnects with the
/// same backoff as a USB camera (`ReconnectPolicy`); meanwhile the daemon reports the
/// camera down and keeps its socket and console up.
public final class RTSPCamera: FrameSource, @unchecked Sendable {
    /// As wide as a USB camera is asked to be (`FrameSourceSpec.defaultCameraFormat`):
    /// a 1080p stream arrives as 640x360, where a face stepping up to the door (at least
    /// `zone_min_face_fraction` of the width, 128 px by default) is well above HOG's
    /// 80 px, and a 2-core box does not spend its time on pixels it does not need.
    public static let maximumWidth = FrameSourceSpec.defaultCameraFormat.width
    /// The jitter buffer: enough to reorder packets on a LAN, little enough that the
    /// decision follows the person, not the person a second ago.
    public static let latencyMilliseconds = 100
    /// A stream that delivers nothing for this long is treated as gone and reopened
    /// (a camera that hangs without closing the connection).
    public static let stallSeconds = 5.0

    public let address: RTSPAddress
    private let credentials: SourceCredentials?
    public var name: String { address.loggedName }
    public var frameRate: Double? { nil }
    public var isLive: Bool { true }
    /// The stream's codec as RTP names it (`H264`, `JPEG`), once the first frame came.
    public private(set) var codec = ""
    public private(set) var width = 0
    public private(set) var height = 0

    private var stream: OpaquePointer?
    private var frameIndex = 0
    private let start = ContinuousClock.now
    private var lastFrameAt = ContinuousClock.now
    private let reconnect = ReconnectPolicy()
    private let stopCondition = Mutex<@Sendable () -> Bool>({ false })
    /// Told when the stream goes (false) and when frames come again (true).
    private let connectionHandler = Mutex<(@Sendable (Bool) -> Void)?>(nil)
    /// The stream is gone and not yet back (read and written by the reading thread).
    private var lost = false

    /// Connects and waits up to `firstFrameSeconds` for the first frame, so that a wrong
    /// address, wrong credentials or a missing decoder are reported at start, clearly,
    /// rather than as a camera that is merely down.
    public init(address: RTSPAddress, credentials: SourceCredentials?, firstFrameSeconds: Double = 10) throws(CaptureError) {
        self.address = address
        self.credentials = credentials
        try connect()
        switch pull(timeoutMilliseconds: Int32(firstFrameSeconds * 1000)) {
        case .frame: break
        case .timeout:
            closeStream()
            throw CaptureError(
                .notFound, "\(name) sent no frame within \(Int(firstFrameSeconds)) s; check that the path names a video stream")
        case .gone(let message):
            closeStream()
            throw CaptureError(.notFound, "\(name) stopped the stream at once (\(message)); check the camera's stream path")
        case .refused(let error):
            closeStream()
            throw error
        }
    }

    deinit { closeStream() }

    public func stopWaiting(when shouldStop: @escaping @Sendable () -> Bool) {
        stopCondition.withLock { $0 = shouldStop }
    }

    private func shouldStop() -> Bool { stopCondition.withLock { $0 }() }

    public func reportConnection(to handler: @escaping @Sendable (Bool) -> Void) {
        connectionHandler.withLock { $0 = handler }
    }

    private func connection(_ up: Bool) {
        guard lost == up else { return }
        lost = !up
        connectionHandler.withLock { $0 }?(up)
    }

    private func connect() throws(CaptureError) {
        var message = [CChar](repeating: 0, count: 512)
        let handle: OpaquePointer? =
            credentials.map { credentials in
                credentials.password.withBytes { bytes in
                    // A C string for GStreamer's property, built in place (no intermediate
                    // copy) and zeroed as soon as GStreamer has copied it.
                    var password = [CChar](repeating: 0, count: bytes.count + 1)
                    for index in bytes.indices { password[index] = CChar(bitPattern: bytes[index]) }
                    defer { password.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
                    return fg_rtsp_open(
                        address.url, credentials.user, password, Int32(Self.maximumWidth), Int32(Self.latencyMilliseconds), &message,
                        message.count)
                }
            } ?? fg_rtsp_open(address.url, nil, nil, Int32(Self.maximumWidth), Int32(Self.latencyMilliseconds), &message, message.count)
        guard let handle else {
            throw CaptureError(.unsupported, "\(name): \(scrubbed(String(cString: message)))")
        }
        stream = handle
        lastFrameAt = .now
    }

    private func closeStream() {
        guard let stream else { return }
        fg_rtsp_close(stream)
        self.stream = nil
    }

    private enum Pulled {
        case frame(Frame), timeout, gone(String), refused(CaptureError)
    }

    private func pull(timeoutMilliseconds: Int32) -> Pulled {
        guard let stream else { return .gone("not connected") }
        var message = [CChar](repeating: 0, count: 512)
        let result = fg_rtsp_pull(stream, timeoutMilliseconds, &message, message.count)
        let text = scrubbed(String(cString: message))
        switch Int32(result) {
        case Int32(FG_RTSP_FRAME):
            return .frame(copyFrame(stream))
        case Int32(FG_RTSP_TIMEOUT):
            return .timeout
        case Int32(FG_RTSP_UNAUTHORIZED):
            let advice =
                credentials == nil
                ? "the camera asks for a user and password: set [appliance] source_user in the policy and the systemd credential \(SourceCredentials.passwordCredential)"
                : "the camera refused the user and password: check [appliance] source_user and the systemd credential \(SourceCredentials.passwordCredential)"
            return .refused(CaptureError(.unauthorized, "\(name): \(advice)"))
        case Int32(FG_RTSP_NOT_FOUND):
            return .refused(CaptureError(.notFound, "\(name): \(text); check the address, the port and that the camera is on"))
        case Int32(FG_RTSP_NO_DECODER):
            return .refused(
                CaptureError(
                    .unsupported,
                    "\(name): no decoder for the camera's video (\(text)); install gstreamer1.0-libav (H.264) and gstreamer1.0-plugins-good (MJPEG), or set the camera to H.264 or MJPEG"
                ))
        case Int32(FG_RTSP_GONE):
            return .gone(text)
        default:
            return .refused(CaptureError(.disconnected, "\(name): \(text)"))
        }
    }

    /// Copies the held frame into an image the pipeline owns, and lets GStreamer's go
    /// (zeroed where it can be).
    private func copyFrame(_ stream: OpaquePointer) -> Frame {
        defer { fg_rtsp_release(stream) }
        let view = fg_rtsp_frame(stream)
        width = Int(view.width)
        height = Int(view.height)
        if codec.isEmpty { codec = String(cString: fg_rtsp_codec(stream)) }
        let image = RGBImage(width: width, height: height)
        if let pixels = view.pixels {
            image.withUnsafeMutablePixels { out in
                for row in 0..<height {
                    (out.baseAddress! + row * width * 3).update(from: pixels + row * Int(view.row_bytes), count: width * 3)
                }
            }
        }
        lastFrameAt = .now
        defer { frameIndex += 1 }
        return Frame(image: image, index: frameIndex, timestamp: (ContinuousClock.now - start).milliseconds / 1000)
    }

    /// The next frame. When the stream stops or stalls, reconnects with backoff until it
    /// comes back (or the pipeline stops: then nil). Wrong credentials or a missing
    /// decoder are not retried: they need a person.
    public func nextFrame() throws -> Frame? {
        var attempt = 0
        while true {
            if stream == nil {
                // The backoff in short slices, so that stopping is never kept waiting.
                let resume = ContinuousClock.now.advanced(by: .seconds(reconnect.delay(attempt: attempt)))
                while ContinuousClock.now < resume {
                    if shouldStop() { return nil }
                    usleep(100_000)
                }
                attempt += 1
                if shouldStop() { return nil }
                // Only a missing GStreamer element fails here: that needs a person.
                try connect()
            }
            switch pull(timeoutMilliseconds: 1000) {
            case .frame(let frame):
                connection(true)
                return frame
            case .timeout:
                if shouldStop() { return nil }
                if (ContinuousClock.now - lastFrameAt).milliseconds / 1000 > Self.stallSeconds {
                    closeStream()
                    connection(false)
                }
            case .gone:
                closeStream()
                connection(false)
            case .refused(let error):
                closeStream()
                connection(false)
                // While reconnecting, a camera still booting refuses connections, and a
                // camera gone odd for a moment (a frame without a size) may recover: retry.
                // Refused credentials and a codec nobody decodes need a person.
                if error.code == .notFound || error.code == .disconnected { continue }
                throw error
            }
        }
    }

    public func close() { closeStream() }

    /// GStreamer's messages never carry the password (it is a property, not part of the
    /// address), but a message must not repeat it even if a camera echoes it back. Compared
    /// as bytes: the password is never made into a Swift string, which cannot be wiped.
    private func scrubbed(_ text: String) -> String {
        guard !text.isEmpty, let credentials, credentials.password.count >= 3 else { return text }
        return credentials.password.withBytes { secret in
            var bytes = Array(text.utf8)
            var index = 0
            var found = false
            while index + secret.count <= bytes.count {
                if bytes[index..<index + secret.count].elementsEqual(secret) {
                    bytes.replaceSubrange(index..<index + secret.count, with: Array("<password>".utf8))
                    found = true
                    index += "<password>".utf8.count
                } else {
                    index += 1
                }
            }
            return found ? String(decoding: bytes, as: UTF8.self) : text
        }
    }
}
