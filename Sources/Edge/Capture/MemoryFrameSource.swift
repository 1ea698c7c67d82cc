public import FaceEngine

/// Frames composed in memory (benchmarks, tests): a list of images played in order
/// at a nominal frame rate, never touching the disk.
public final class MemoryFrameSource: FrameSource, @unchecked Sendable {
    public let name: String
    public let frameRate: Double?
    private let frames: [RGBImage]
    private var position = 0

    public init(name: String = "memory", frames: [RGBImage], frameRate: Double = 15) {
        self.name = name
        self.frames = frames
        self.frameRate = frameRate
    }

    public func nextFrame() throws -> Frame? {
        guard position < frames.count else { return nil }
        defer { position += 1 }
        return Frame(image: frames[position], index: position, timestamp: Double(position) / (frameRate ?? 15))
    }

    public func rewind() throws { position = 0 }
}
