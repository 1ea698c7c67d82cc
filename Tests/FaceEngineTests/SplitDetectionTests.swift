import FaceEngine
import FacegateCore
import FacegateTestSupport
import Foundation
import Logging
import Testing

/// A HOG detection split between two threads (the pyramid's first two levels on one,
/// the rest on the other) must answer exactly as dlib's object_detector: the same
/// boxes in the same order with the same scores, not merely close ones.
@Suite("HOG detection split between two threads", .perTestLimit)
struct SplitDetectionTests {
    /// Engines on `path` running dlib's own detector (0), the scan on one thread, and the
    /// scan split between two.
    static func engines(on path: SIMDPath) throws -> [(threads: Int, engine: FaceEngine)] {
        let base = try TestEngine.engine(on: path)
        return try [0, 1, 2].map { ($0, try base.makeSibling(detectionThreads: $0)) }
    }

    static func expectExact(_ image: RGBImage, on path: SIMDPath, upsamples: [Int] = [0, 1], _ what: String) throws {
        let engines = try engines(on: path)
        #expect(engines.map(\.engine.detectionThreads) == [0, 1, 2])
        for upsample in upsamples {
            let options = DetectionOptions(upsample: upsample)
            let reference = try engines[0].engine.detect(in: image, options: options)
            for (threads, engine) in engines.dropFirst() {
                let boxes = try engine.detect(in: image, options: options)
                let describe = { (boxes: [FaceBox]) in boxes.map { "\($0.left),\($0.top),\($0.right),\($0.bottom) \($0.confidence)" } }
                #expect(describe(boxes) == describe(reference), "\(what), \(path), upsample \(upsample), \(threads) thread(s)")
            }
        }
    }

    @Test("the engine detects on two threads by default on a machine of two cores or more, on one otherwise")
    func defaultThreads() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        #expect(FaceEngine.defaultDetectionThreads == min(2, cores))
        #expect(try TestEngine.engine(on: .baseline).detectionThreads == min(2, cores))
        #expect(try TestEngine.engine(on: .baseline).makeSibling(detectionThreads: 7).detectionThreads == 2)
    }

    @Test(
        "every fixture photo gets exactly dlib's boxes and scores on one thread and on two, on each code path",
        arguments: ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "obama_partial_face.jpg", "obama_partial_face2.jpg", "t1.jpg"])
    func fixtures(file: String) throws {
        let image = try TestEngine.image(file)
        for path in SIMDPath.allCases where path.isAvailable { try Self.expectExact(image, on: path, file) }
    }

    @Test("a 640x480 frame, a frame too small to split, and the shared group photos get exactly dlib's boxes and scores")
    func framesAndGroups() throws {
        let photo = try TestEngine.image("t1.jpg")
        let path = SIMDPath.processDefault
        let frame = try photo.downscaled(toWidth: 640, height: 480)
        try Self.expectExact(frame, on: path, "t1.jpg at 640x480")
        // Fewer than three pyramid levels: one thread whatever is asked.
        try Self.expectExact(try photo.downscaled(toWidth: 96, height: 72), on: path, "t1.jpg at 96x72")
        let found = try Self.engines(on: path)[2].engine.detect(in: frame, options: DetectionOptions(upsample: 0))
        #expect(found.count >= 3, "the 640x480 frame should hold faces to compare, found \(found.count)")
        guard let groups = try TestEngine.sharedGroupPhotos(limit: 6, checking: "split detection on the group photos") else { return }
        #expect(!groups.isEmpty)
        for photo in groups { try Self.expectExact(photo.image, on: path, upsamples: [0], photo.name) }
    }
}
