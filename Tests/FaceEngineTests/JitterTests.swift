import FaceEngine
import FacegateCore
import FacegateTestSupport
import Testing

/// Templates averaged over jittered copies of the chip (dlib's recipe).
@Suite("Jittered templates", .perTestLimit)
struct JitterTests {
    let engine = TestEngine.shared

    /// The six faces of t1.jpg: their landmarks and their chips in one batch.
    private func groupChips() throws -> (RGBImage, [FaceLandmarks], FaceChips) {
        let image = try TestEngine.image("t1.jpg")
        let shapes = try engine.landmarks(in: image, for: try engine.detect(in: image, options: DetectionOptions(upsample: 0)))
        return (image, shapes, try engine.alignedChips(in: image, for: shapes))
    }

    @Test("no jitter is the plain descriptor; a jittered template is reproducible, near the plain one, and still someone")
    func jittered() throws {
        let (image, shapes, batch) = try groupChips()
        #expect(batch.count == 6)
        let plain = try engine.descriptors(of: batch)
        #expect(zip(try engine.descriptors(of: batch, jitter: 0), plain).allSatisfy { $0.values == $1.values })
        let jittered = try engine.descriptors(of: batch, jitter: 5)
        #expect(jittered.count == 6)
        #expect(zip(try engine.descriptors(of: batch, jitter: 5), jittered).allSatisfy { $0.values == $1.values }, "seeded")
        for (template, descriptor) in zip(jittered, plain) {
            let moved = template.distance(to: descriptor)
            #expect(moved > 0 && moved < 0.2, "a jittered template stays near its face: \(moved)")
        }
        #expect(jittered[0].distance(to: jittered[1]) > 0.6, "two people's templates stay apart")
        // A chip's copies do not depend on the rest of the batch.
        let alone = try engine.descriptors(of: try engine.alignedChips(in: image, for: [shapes[1]]), jitter: 5)
        // The same copies; the network's batched arithmetic may differ in the last bit.
        #expect(alone[0].distance(to: jittered[1]) < 1e-5)
    }

    @Test("a jittered template of one photo still matches the person's other photos")
    func closerToOtherPhotos() throws {
        let options = DetectionOptions.photo()
        let template = try #require(
            try engine.describeFace(in: TestEngine.image("obama.jpg"), choosing: .largest, options: options, jitter: 10))
        let plain = try #require(try engine.describeFace(in: TestEngine.image("obama.jpg"), choosing: .largest, options: options))
        for other in ["obama2.jpg", "obama3.jpg"] {
            let probe = try #require(try engine.describeFace(in: TestEngine.image(other), choosing: .largest, options: options))
            #expect(template.distance(to: probe) < 0.6 && plain.distance(to: probe) < 0.6)
        }
    }

    @Test("more copies than the limit is an argument error")
    func limit() throws {
        let (_, _, batch) = try groupChips()
        let error = #expect(throws: FaceEngineError.self) {
            try engine.descriptors(of: batch, jitter: FaceEngine.jitterRange.upperBound + 1)
        }
        #expect(error?.code == .invalidArgument)
    }
}
