public import FaceEngine
import Synchronization

/// Picks the frames to enrol someone from a camera: frames with exactly one face at
/// least `minFacePixels` wide, spaced `spacing` frames apart so that they differ,
/// until `count` are collected or `maxFrames` have gone by. Only these frames are
/// kept, in memory, until the enrolment is done.
public struct CameraEnrolment {
    public var count: Int
    public var minFacePixels: Int
    /// The policy's `low_light_luma`: darker frames are enhanced, as at the door.
    public var lowLightLuma: Double
    public var spacing: Int
    public var maxFrames: Int

    public init(count: Int, minFacePixels: Int, lowLightLuma: Double, spacing: Int = 3, maxFrames: Int = 900) {
        self.count = count
        self.minFacePixels = minFacePixels
        self.lowLightLuma = lowLightLuma
        self.spacing = spacing
        self.maxFrames = maxFrames
    }

    /// A camera that sends nothing for this long while someone waits to be enrolled has
    /// gone (unplugged, an IP camera dropped): the enrolment ends instead of waiting for
    /// it forever.
    public static let silentSeconds = 10.0

    public func collect(from source: any FrameSource, engine: FaceEngine) throws -> [RGBImage] {
        var chosen: [RGBImage] = []
        var seen = 0, lastChosen = Int.min / 2
        let enhancer = LowLightEnhancer(threshold: lowLightLuma)
        let lastFrame = Mutex(ContinuousClock.now)
        let silent = Duration.seconds(Self.silentSeconds)
        source.stopWaiting { ContinuousClock.now - lastFrame.withLock { $0 } > silent }
        while chosen.count < count, seen < maxFrames {
            guard let frame = try source.nextFrame() else {
                if ContinuousClock.now - lastFrame.withLock({ $0 }) > silent {
                    throw CaptureError(
                        .disconnected,
                        "\(source.name) sent no frame for \(Int(Self.silentSeconds)) s; nothing was enrolled. Check the camera, then enrol again"
                    )
                }
                break
            }
            lastFrame.withLock { $0 = .now }
            seen += 1
            guard frame.index - lastChosen >= spacing else { continue }
            let image = enhancer.enhance(frame.image) ?? frame.image
            let faces = try engine.detect(in: image, options: DetectionOptions(upsample: 0, minFaceSize: minFacePixels))
            guard faces.count == 1 else { continue }
            chosen.append(image)
            lastChosen = frame.index
        }
        return chosen
    }

    /// `collect`, refusing (nothing enrolled) when fewer than `count` good frames came.
    public func collectAll(from source: any FrameSource, engine: FaceEngine) throws -> [RGBImage] {
        let chosen = try collect(from: source, engine: engine)
        guard chosen.count == count else {
            throw OperationError(
                .enrolmentRefused,
                "only \(chosen.count) of \(count) good frames (exactly one face, at least \(minFacePixels) px wide) came from \(source.name); nothing was enrolled. Stand closer, alone, facing the camera"
            )
        }
        return chosen
    }
}
