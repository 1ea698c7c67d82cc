public import FaceEngine
public import FacegateCore
public import Logging

/// A frame source as the command line and the policy name it:
/// `v4l2:/dev/video0[?width=640&height=480&fps=15&format=YUYV]`, `rtsp://HOST[:PORT]/PATH`,
/// `y4m:PATH`, `dir:PATH`.
public enum FrameSourceSpec: Sendable, Equatable {
    case v4l2(device: String, request: CameraFormat.Request)
    /// An IP camera; its address is passed to the camera as written (query included).
    case rtsp(RTSPAddress)
    case y4m(path: String)
    case directory(path: String, framesPerImage: Int)

    public static let defaultCamera = "/dev/video0"

    /// What a log line may say about the source: its kind, and a camera's device; never
    /// a file's or a folder's path, because photos and clips are often named after the
    /// person in them (`Barack Obama.jpg`). The user who named the path is told it as
    /// command output, not through the logs.
    public var loggedName: String {
        switch self {
        case .v4l2(let device, _): "v4l2:" + device
        case .rtsp(let address): address.loggedName
        case .y4m: "y4m"
        case .directory: "dir"
        }
    }

    public init(parsing text: String) throws(CaptureError) {
        if text.lowercased().hasPrefix("rtsp") {
            self = .rtsp(try RTSPAddress(parsing: text))
            return
        }
        guard let colon = text.firstIndex(of: ":") else {
            throw CaptureError(.invalidArgument, "'\(text)' is not a source; use v4l2:/dev/video0, rtsp://HOST/PATH, y4m:PATH or dir:PATH")
        }
        let kind = String(text[..<colon])
        var rest = String(text[text.index(after: colon)...])
        var parameters: [String: Int] = [:]
        var pixelFormat: String?
        if let question = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: question)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if kind == "v4l2", parts.count == 2, parts[0] == "format" {
                    guard let fourcc = CameraFormat.fourcc(parsing: String(parts[1])) else {
                        throw CaptureError(
                            .invalidArgument,
                            "'\(pair)' in '\(text)' must name a V4L2 pixel format of 1 to 4 letters or digits (YUYV, MJPG, GREY, Y10, Y16; `facegate doctor` lists the camera's)"
                        )
                    }
                    // RGB3 is what is asked for anyway: libv4l2 chooses and converts.
                    pixelFormat = fourcc == "RGB3" ? nil : fourcc
                    continue
                }
                guard parts.count == 2, let value = Int(parts[1]), value > 0 else {
                    throw CaptureError(.invalidArgument, "'\(pair)' in '\(text)' must be NAME=POSITIVE_NUMBER")
                }
                parameters[String(parts[0])] = value
            }
            rest = String(rest[..<question])
        }
        guard !rest.isEmpty else { throw CaptureError(.invalidArgument, "'\(text)' names no device or file") }
        switch kind {
        case "v4l2":
            let standard = Self.defaultCameraFormat
            self = .v4l2(
                device: rest,
                request: .init(
                    width: parameters["width"] ?? standard.width, height: parameters["height"] ?? standard.height,
                    fps: parameters["fps"] ?? standard.fps, pixelFormat: pixelFormat))
        case "y4m":
            self = .y4m(path: rest)
        case "dir":
            self = .directory(path: rest, framesPerImage: parameters["hold"] ?? 5)
        default:
            throw CaptureError(.invalidArgument, "unknown source kind '\(kind)'; use v4l2:, rtsp://, y4m: or dir:")
        }
    }

    /// Opens the source. `logger` hears about images a slideshow skips (by position,
    /// never by file name: a photo's name is often a person's). An IP camera's user is
    /// `sourceUser` (the policy's) and its password the systemd credential in
    /// `environment` (`SourceCredentials`). With `waitForCamera`, a V4L2 camera that is
    /// not there yet is waited for (the daemon: as for a camera lost later) instead of
    /// being an error (`enrol --camera`, where someone is waiting).
    public func open(
        decoder: ImageDecoder = ImageDecoder(), logger: Logger? = nil, sourceUser: String? = nil,
        environment: [String: String] = ProcessEnvironment.current, waitForCamera: Bool = false
    ) throws -> any FrameSource {
        switch self {
        case .v4l2(let device, let request):
            return try V4L2Camera(device: device, request: request, waitIfMissing: waitForCamera)
        case .rtsp(let address):
            return try RTSPCamera(address: address, credentials: try SourceCredentials.load(user: sourceUser, environment: environment))
        case .y4m(let path):
            return try Y4MReader(path: path)
        case .directory(let path, let hold):
            return try DirectorySlideshow(path: path, framesPerImage: hold, decoder: decoder) { position, count, code in
                logger?.warning(
                    "a slideshow image does not decode and is skipped",
                    metadata: ["source.position": "\(position + 1) of \(count)", "error.code": "\(code)"])
            }
        }
    }
}

extension FrameSourceSpec {
    /// What a camera is asked for unless the source says otherwise: enough pixels for a
    /// face at door distance, few enough for a 2-core board to keep up.
    public static let defaultCameraFormat = (width: 640, height: 480, fps: 15)

    /// `device` at the default format.
    public static func camera(_ device: String) -> FrameSourceSpec {
        .v4l2(
            device: device,
            request: .init(width: defaultCameraFormat.width, height: defaultCameraFormat.height, fps: defaultCameraFormat.fps))
    }

    /// The first camera at the default format; `advice` ends the error when there is
    /// none (what the user can do instead).
    public static func firstCamera(otherwise advice: String) throws(CaptureError) -> FrameSourceSpec {
        guard let device = V4L2Camera.availableDevices().first else {
            throw CaptureError(.notFound, "no camera found (no /dev/video* that captures video); \(advice)")
        }
        return .camera(device)
    }
}
