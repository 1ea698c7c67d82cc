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
    /// True for a live device (a camera): frames come at their own pace, so the
    /// pipeline drops a frame rather than queue it when embedding falls behind. A file
    /// source waits instead, so that every frame of a test clip is seen.
    var isLive: Bool { get }
    /// Gives the source a way to learn that the pipeline is stopping, so that a source
    /// blocked waiting for a device (a camera being reconnected) gives up promptly.
    func stopWaiting(when shouldStop: @escaping @Sendable () -> Bool)
    /// Gives a live source someone to tell, from its reading thread, when its device
    /// goes (false: unplugged, the stream dropped, or not there at start) and when
    /// frames come again (true), so that `status` says the camera is down at once
    /// rather than after `CameraHealth.upWithinSeconds` without a frame.
    func reportConnection(to handler: @escaping @Sendable (Bool) -> Void)
}

extension FrameSource {
    public func rewind() throws {}
    public func close() {}
    public var isLive: Bool { false }
    public func stopWaiting(when shouldStop: @escaping @Sendable () -> Bool) {}
    public func reportConnection(to handler: @escaping @Sendable (Bool) -> Void) {}
}
