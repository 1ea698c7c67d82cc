public import FaceEngine
public import FacegateCore

/// One picture from a frame source, with when it was taken. Lives in memory only.
public struct Frame: Sendable {
    public var image: RGBImage
    /// Position in the source, from 0.
    public var index: Int
    /// Seconds since the source started (from the file's frame rate, or the capture clock).
    public var timestamp: Double
    /// When the pipeline received it (monotonic), for latency.
    public var receivedAt: ContinuousClock.Instant

    public init(image: RGBImage, index: Int, timestamp: Double, receivedAt: ContinuousClock.Instant = .now) {
        self.image = image
        self.index = index
        self.timestamp = timestamp
        self.receivedAt = receivedAt
    }
}

/// Where frames come from: a camera, a Y4M video, a folder of photos. Reading is
/// blocking: sources are read on the pipeline's own thread.
public protocol FrameSource: AnyObject, Sendable {
    /// A name for logs and errors (`v4l2:/dev/video0`, `y4m:clip.y4m`).
    var name: String { get }
    /// Frames per second the source plays at (nil when unknown).
    var frameRate: Double? { get }
    /// The next frame, or nil at the end of a file source.
    func nextFrame() throws -> Frame?
    /// Starts again from the first frame (file sources; `--loop`).
    func rewind() throws
    /// Releases the device or file.
    func close()
}

extension FrameSource {
    public func rewind() throws {}
    public func close() {}
}

/// Why a frame source failed, with what to do.
public struct CaptureError: Error, Sendable, Equatable {
    public enum Code: String, Sendable, CaseIterable {
        case notFound = "source_not_found"
        case busy = "source_busy"
        case unsupported = "source_unsupported"
        case malformed = "source_malformed"
        case disconnected = "source_disconnected"
        case invalidArgument = "invalid_source"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

extension CaptureError: UserFacingError {
    public var errorCode: String { code.rawValue }

    public var exitStatus: ExitStatus {
        switch code {
        case .notFound, .disconnected: .unavailable
        case .busy: .temporaryFailure
        case .unsupported, .malformed: .dataError
        case .invalidArgument: .usage
        }
    }
}
