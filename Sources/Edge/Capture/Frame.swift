public import FaceEngine

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
