import FaceEngine
import FacegateCore
import FacegateTestSupport
import Foundation
import Logging
import Testing

@Suite("Face engine", .perTestLimit)
struct FaceEngineTests {
    let engine = TestEngine.shared

    private func describeLargest(_ name: String) throws -> FaceDescriptor {
        let analysis = try engine.analyze(TestEngine.image(name), options: DetectionOptions(), describe: true)
        return try #require(analysis.largestFace?.descriptor)
    }

    @Test("the same person is closer than 0.6", arguments: ["obama2.jpg", "obama3.jpg"])
    func samePerson(other: String) throws {
        let distance = try describeLargest("obama.jpg").distance(to: describeLargest(other))
        #expect(distance < 0.6, "obama.jpg vs \(other): \(distance)")
    }

    @Test("different people are farther than 0.6")
    func differentPeople() throws {
        let distance = try describeLargest("obama.jpg").distance(to: describeLargest("biden.jpg"))
        #expect(distance > 0.6, "obama.jpg vs biden.jpg: \(distance)")
    }

    @Test("HOG finds all six faces of insightface's t1.jpg")
    func groupPhoto() throws {
        // t1.jpg is a 1280x886 photo of six people facing the camera; their faces are
        // 90-130 px wide, above HOG's 80 px window, so HOG finds all six with or
        // without an upsample. The CNN detector agrees.
        let image = try TestEngine.image("t1.jpg")
        #expect(try engine.detect(in: image, options: DetectionOptions(upsample: 0)).count == 6)
        #expect(try engine.detect(in: image, options: DetectionOptions(upsample: 1)).count == 6)
        #expect(try engine.detect(in: image, options: DetectionOptions(model: .cnn, upsample: 0)).count == 6)
    }

    @Test("with a minimum face size the image is downscaled but boxes stay in original pixels")
    func minimumFaceSize() throws {
        let image = try TestEngine.image("t1.jpg")
        let full = try engine.detect(in: image, options: DetectionOptions(upsample: 0))
        let options = DetectionOptions(upsample: 0, minFaceSize: 100)
        #expect(options.hogScale == 0.8)
        let scaled = try engine.detect(in: image, options: options)
        // The 90 px face (left 275) is below the minimum and dropped; the five others
        // are found on the downscaled image and mapped back onto the full-size ones.
        #expect(scaled.count == 5)
        #expect(scaled.allSatisfy { $0.width >= 100 })
        for box in scaled {
            let best = full.map { $0.intersectionOverUnion(box) }.max() ?? 0
            #expect(best > 0.6, "box \(box) has no full-resolution counterpart (best IoU \(best))")
        }
        #expect(!full.filter { $0.width < 100 }.isEmpty)
    }

    @Test("a large minimum face size on a portrait detects on a much smaller image")
    func minimumFaceSizeOnPortrait() throws {
        let image = try TestEngine.image("obama3.jpg")  // 1434x2333, face 322 px wide
        let boxes = try engine.detect(in: image, options: DetectionOptions(upsample: 0, minFaceSize: 240))
        let box = try #require(boxes.first)
        #expect(boxes.count == 1)
        // Reference box from face_recognition at full size: left 633, top 277, right 954, bottom 598.
        #expect(box.intersectionOverUnion(FaceBox(left: 633, top: 277, right: 954, bottom: 598)) > 0.7)
    }

    @Test("one engine used from several threads at once gives the serial results")
    func concurrentUse() async throws {
        let names = ["obama.jpg", "obama2.jpg", "biden.jpg", "t1.jpg"]
        let shared = engine
        let serial = try names.map { try shared.analyze(TestEngine.image($0), options: DetectionOptions(), describe: true) }
        let parallel = try await withThrowingTaskGroup(of: (Int, FaceAnalysis).self) { group in
            for (index, name) in names.enumerated() {
                group.addTask { (index, try shared.analyze(TestEngine.image(name), options: DetectionOptions(), describe: true)) }
            }
            var results = [FaceAnalysis?](repeating: nil, count: names.count)
            for try await (index, analysis) in group { results[index] = analysis }
            return results.compactMap { $0 }
        }
        for (a, b) in zip(serial, parallel) {
            #expect(a.faces.map(\.box) == b.faces.map(\.box))
            // OpenBLAS may split a product over different thread counts when two calls
            // run at once, which changes the summation order in the last bits (seen:
            // 1e-7 per value). A race would give a different face, not 1e-7.
            for (fa, fb) in zip(a.faces, b.faces) {
                #expect(fa.descriptor!.distance(to: fb.descriptor!) < 1e-5)
            }
        }
    }

    @Test("a sibling engine computes the same descriptors")
    func siblingEngine() throws {
        let sibling = try engine.makeSibling()
        let image = try TestEngine.image("obama2.jpg")
        let a = try engine.analyze(image, options: DetectionOptions(), describe: true)
        let b = try sibling.analyze(image, options: DetectionOptions(), describe: true)
        #expect(a.faces[0].descriptor!.values == b.faces[0].descriptor!.values)
    }

    @Test("aligned chips are 150x150 and describing them again gives the same descriptor")
    func chipsRoundTrip() throws {
        let image = try TestEngine.image("biden.jpg")
        let boxes = try engine.detect(in: image, options: DetectionOptions())
        let landmarks = try engine.landmarks(in: image, for: boxes)
        #expect(landmarks[0].points.count == 5)
        let chips = try engine.alignedChips(in: image, for: landmarks)
        #expect(chips.count == 1)
        let chip = chips.image(at: 0)
        #expect(chip.width == 150 && chip.height == 150)
        let once = try engine.descriptors(of: chips)[0]
        let twice = try engine.descriptors(of: chips)[0]
        #expect(once.values == twice.values)
    }

    @Test("wiping a descriptor zeroes its values")
    func wipeDescriptor() throws {
        let descriptor = try describeLargest("obama.jpg")
        #expect(!descriptor.isWiped)
        descriptor.wipe()
        #expect(descriptor.isWiped)
    }

    @Test("an image without a face gives no faces")
    func noFace() throws {
        let image = RGBImage(width: 320, height: 240)
        image.withUnsafeMutablePixels { pixels in
            for index in pixels.indices { pixels[index] = UInt8(truncatingIfNeeded: index * 7) }
        }
        #expect(try engine.analyze(image, options: DetectionOptions(), describe: true).faces.isEmpty)
    }

    @Test("out-of-range options are refused")
    func badOptions() throws {
        let image = try TestEngine.image("obama.jpg")
        #expect(throws: FaceEngineError.self) { try engine.detect(in: image, options: DetectionOptions(upsample: 9)) }
        #expect(throws: FaceEngineError.self) { try engine.detect(in: image, options: DetectionOptions(minFaceSize: 0)) }
    }
}
