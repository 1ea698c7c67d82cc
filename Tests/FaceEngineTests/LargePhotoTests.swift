import FaceEngine
import FacegateCore
import FacegateTestSupport
import Testing

@Suite("Large photos", .perTestLimit)
struct LargePhotoTests {
    let engine = TestEngine.shared

    /// `image` enlarged `factor` times by repeating pixels: a large photo with the same
    /// face, made in memory (nothing is written to disk).
    static func enlarged(_ image: RGBImage, by factor: Int) -> RGBImage {
        let large = RGBImage(width: image.width * factor, height: image.height * factor)
        image.withUnsafePixels { source in
            large.withUnsafeMutablePixels { target in
                let rowBytes = large.rowBytes
                for y in 0..<image.height {
                    let row = y * factor * rowBytes
                    for x in 0..<image.width {
                        let from = (y * image.width + x) * 3
                        for copy in 0..<factor {
                            let to = row + (x * factor + copy) * 3
                            target[to] = source[from]
                            target[to + 1] = source[from + 1]
                            target[to + 2] = source[from + 2]
                        }
                    }
                    for copy in 1..<factor {
                        let base = target.baseAddress!
                        (base + row + copy * rowBytes).update(from: base + row, count: rowBytes)
                    }
                }
            }
        }
        return large
    }

    @Test("a photo enlarged four times gives the same face, scanned on fewer pixels, with nearly the same descriptor")
    func enlargedPhotoFindsTheSameFace() throws {
        let original = try TestEngine.image("obama.jpg")  // 910x1137, one face about 270 px wide
        let reference = try #require(
            try engine.analyze(original, options: DetectionOptions(), describe: true).largestFace)
        let large = Self.enlarged(original, by: 4)
        let options = DetectionOptions.photo()
        let plan = try #require(options.plan(width: large.width, height: large.height))
        // The reference scans the photo doubled (4x its pixels); the plan a small part of the original's pixels.
        #expect(plan.scannedPixels <= DetectionPlan.defaultPixelBudget)
        #expect(plan.scannedPixels < original.width * original.height * 4)

        let analysis = try engine.analyze(large, options: options, describe: true)
        #expect(analysis.faces.count == 1)
        let face = try #require(analysis.largestFace)
        let shrunk = FaceBox(left: face.box.left / 4, top: face.box.top / 4, right: face.box.right / 4, bottom: face.box.bottom / 4)
        #expect(shrunk.intersectionOverUnion(reference.box) > 0.7, "\(shrunk) against \(reference.box)")
        let distance = try #require(face.descriptor).distance(to: try #require(reference.descriptor))
        // Same person, same photo: far below the 0.6 threshold, near what re-encoding a photo changes.
        #expect(distance < 0.08, "descriptor distance \(distance)")
    }

    @Test("downscaling averages the pixels it covers")
    func downscaleAverages() throws {
        // 4x2 pixels, each 2x2 block of one grey: halves to two pixels of those greys' means.
        let levels: [UInt8] = [0, 100, 200, 50, 0, 100, 200, 50]
        let image = RGBImage(width: 4, height: 2, rgb: levels.flatMap { [$0, $0, $0] })
        let half = try image.downscaled(toWidth: 2, height: 1)
        half.withUnsafePixels { pixels in
            #expect(Array(pixels) == [50, 50, 50, 125, 125, 125])
        }
        let third = try RGBImage(width: 3, height: 1, rgb: [0, 0, 0, 90, 90, 90, 180, 180, 180]).downscaled(toWidth: 2, height: 1)
        third.withUnsafePixels { pixels in
            // 1.5 source pixels each: (0 + 0.5 * 90) / 1.5 = 30, (0.5 * 90 + 180) / 1.5 = 150.
            #expect(Array(pixels) == [30, 30, 30, 150, 150, 150])
        }
        #expect(throws: FaceEngineError.self) { try image.downscaled(toWidth: 5, height: 1) }
    }
}
