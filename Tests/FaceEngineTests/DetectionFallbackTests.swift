import FaceEngine
import FacegateCore
import FacegateTestSupport
import Foundation
import Testing

/// The fallbacks for photos in which HOG's first pass finds no face, and MMOD's
/// memory bound.
@Suite("Detection fallback", .perTestLimit)
struct DetectionFallbackTests {
    let engine = TestEngine.shared

    @Test("a photo of small faces HOG's first pass misses is answered by the retry with one more doubling")
    func retryFindsSmallFaces() throws {
        guard let faces = TestResources.sharedFaces(checking: "the fallback on real photos") else { return }
        // Seven faces of about 37 px (groups.csv): the first pass doubles the small photo
        // whole and finds them (it shrank it first, and missed them all, before issue 35).
        let original = try ImageDecoder().decode(file: faces + "/groups/dlib_2008_004176.jpg")
        #expect(try engine.detect(in: original, options: .photo(detector: .hog)).count == 7)
        // At 0.6 of its size the faces are about 22 px: doubled once, still under HOG's
        // window; the retry doubles twice.
        let photo = try original.downscaled(toWidth: original.width * 6 / 10, height: original.height * 6 / 10)
        #expect(try engine.detect(in: photo, options: .photo(detector: .hog)).isEmpty)
        let found = try engine.detect(in: photo, options: .photo())
        #expect(!found.isEmpty)
        #expect(found.allSatisfy { $0.pass == .hogRetry || $0.pass == .cnn }, "\(found)")
        #expect(found.contains { $0.pass == .hogRetry }, "\(found)")
    }

    @Test("images too small for a face give no face and no error, again and again, with every detector")
    func tinyImages() throws {
        // dlib asserts when its network is given an image smaller than its filters, and
        // aborts the process at its second assertion: each size is asked twice.
        for (width, height) in [(1, 1), (300, 1), (1, 300), (12, 12), (39, 200)] {
            let image = RGBImage(width: width, height: height)
            for _ in 0..<2 {
                for options in [DetectionOptions.photo(), .photo(detector: .cnn), .photo(detector: .hog), DetectionOptions()] {
                    #expect(try engine.detect(in: image, options: options).isEmpty, "\(width)x\(height)")
                }
            }
        }
    }

    @Test("a photo with a face HOG finds takes no fallback (MMOD's box for the same face is HOG's), and the door's options never do")
    func noFallbackWhenFound() throws {
        let found = try engine.detect(in: try TestEngine.image("obama.jpg"), options: .photo())
        #expect(found.count == 1 && found.first?.pass == .hog)
        #expect(!DetectionOptions().fallback)
        #expect(DetectionOptions.photo().fallback && !DetectionOptions.photo(detector: .hog).fallback)
    }

    @Test("in a photo, MMOD finds the turned faces beside the frontal ones HOG found, each face once")
    func turnedFacesBeside() throws {
        guard let faces = TestResources.sharedFaces(checking: "the turned face beside frontal ones") else { return }
        // Five people (groups.csv); HOG finds four, the fifth is turned away.
        let photo = try ImageDecoder().decode(file: faces + "/groups/compreface_000_5.jpg")
        let frontal = try engine.detect(in: photo, options: .photo(detector: .hog))
        let all = try engine.detect(in: photo, options: .photo())
        let turned = all.filter { $0.pass == .cnn }
        #expect(!frontal.isEmpty)
        #expect(!turned.isEmpty, "MMOD found no face beside HOG's \(frontal.count): \(all)")
        #expect(all.count == frontal.count + turned.count)
        for box in turned {
            for hog in frontal { #expect(box.intersectionOverUnion(hog) < 0.3, "\(box) repeats \(hog)") }
        }
        // The faces HOG found are kept as HOG found them.
        #expect(Set(all.filter { $0.pass == .hog }) == Set(frontal))
    }

    @Test("a 250 px photo is scanned whole: its face is found by HOG at full resolution, not shrunk to 167 px first")
    func smallPhotoWhole() throws {
        // obama.jpg scaled to LFW's size: a face of about 75 px.
        let original = try TestEngine.image("obama.jpg")
        let small = try original.downscaled(toWidth: 200, height: 250)
        let plan = try #require(DetectionOptions.photo().plan(width: small.width, height: small.height))
        #expect(!plan.isDownscaled && plan.upsample == 1, "\(plan)")
        let found = try engine.detect(in: small, options: .photo())
        #expect(found.count == 1 && found.first?.pass == .hog, "\(found)")
    }

    @Test("MMOD works within its pixel budget: a large photo's boxes are mapped back to its pixels")
    func mmodPlanBoundsPixels() throws {
        let original = try TestEngine.image("obama.jpg")  // 910x1137, one face about 270 px
        let reference = try #require(try engine.detect(in: original, options: .photo(detector: .cnn)).first)
        let large = LargePhotoTests.enlarged(original, by: 4)  // 16.6 megapixels
        let plan = DetectionPlan(
            width: large.width, height: large.height, smallestFace: DetectionPlan.defaultSmallestFace,
            pixelBudget: DetectionPlan.mmodPixelBudget, window: DetectionPlan.mmodWindow)
        #expect(plan.scannedPixels <= DetectionPlan.mmodPixelBudget)
        let found = try engine.detect(in: large, options: .photo(detector: .cnn))
        #expect(found.count == 1)
        let box = try #require(found.first)
        #expect(box.pass == .cnn)
        let shrunk = FaceBox(left: box.left / 4, top: box.top / 4, right: box.right / 4, bottom: box.bottom / 4)
        #expect(shrunk.intersectionOverUnion(reference) > 0.7, "\(shrunk) against \(reference)")
    }

    @Test("a dark photo in which HOG and MMOD find nothing is looked at again enhanced, and its face described there")
    func darkPhotoEnhanced() throws {
        guard let faces = TestResources.sharedFaces(checking: "the dark fallback on real photos") else { return }
        // Two near-black 360x480 photos of one person each (lowlight.csv), mean luma 0-1.
        // In the first, HOG finds the face once the photo is enhanced; in the second only
        // MMOD does, on the enhanced copy: a face HOG missed and the CNN found.
        for (file, pass) in [("rayhanhemel_3_image3.jpg", DetectionPass.hogEnhanced), ("rayhanhemel_2_image2.jpg", .cnnEnhanced)] {
            let photo = try ImageDecoder().decode(file: faces + "/lowlight/" + file)
            #expect(try engine.detect(in: photo, options: .photo(detector: .hog)).isEmpty, "\(file): HOG alone finds it")
            #expect(try engine.detect(in: photo, options: .photo(detector: .cnn)).isEmpty, "\(file): MMOD alone finds it")
            let analysis = try engine.analyze(photo, options: .photo(), describe: true)
            #expect(analysis.faces.count == 1, "\(file): \(analysis.faces.map(\.box))")
            let face = try #require(analysis.faces.first)
            #expect(face.box.pass == pass, "\(file)")
            let descriptor = try #require(face.descriptor, "\(file): the face is described")
            #expect(descriptor.values.contains { $0 != 0 })
            // The one-face path (enrolment, compare) takes the same fallback.
            let examined = try #require(try engine.examineFace(in: photo, choosing: .largest, options: .photo()))
            #expect(examined.box == face.box)
            #expect(examined.descriptor.distance(to: descriptor) < 1e-5)
        }
    }

    @Test(
        "a large dark photo is enhanced at HOG's working size, not at full resolution; its face is reported and described in the photo's pixels"
    )
    func largeDarkPhotoEnhancedAtWorkingSize() throws {
        guard let faces = TestResources.sharedFaces(checking: "the dark fallback on real photos") else { return }
        let small = try ImageDecoder().decode(file: faces + "/lowlight/rayhanhemel_3_image3.jpg")
        let reference = try #require(try engine.analyze(small, options: .photo(), describe: true).faces.first)
        let large = LargePhotoTests.enlarged(small, by: 8)  // 2880x3840, 11 megapixels
        let plan = try #require(DetectionOptions.photo().plan(width: large.width, height: large.height))
        #expect(plan.isDownscaled, "\(plan)")
        let analysis = try engine.analyze(large, options: .photo(), describe: true)
        #expect(analysis.faces.count == 1, "\(analysis.faces.map(\.box))")
        let face = try #require(analysis.faces.first)
        #expect(face.box.pass == .hogEnhanced)
        // Reported in the large photo's pixels: eight times the small photo's box.
        let shrunk = FaceBox(left: face.box.left / 8, top: face.box.top / 8, right: face.box.right / 8, bottom: face.box.bottom / 8)
        #expect(shrunk.intersectionOverUnion(reference.box) > 0.6, "\(shrunk) against \(reference.box)")
        let landmarks = try #require(face.landmarks)
        #expect(landmarks.box == face.box)
        for point in landmarks.points {
            #expect(
                Double(face.box.left) <= point.x && point.x <= Double(face.box.right) && Double(face.box.top) <= point.y
                    && point.y <= Double(face.box.bottom), "\(point) in \(face.box)")
        }
        // The same person as in the small photo; the one-face path agrees.
        let descriptor = try #require(face.descriptor)
        #expect(descriptor.distance(to: try #require(reference.descriptor)) < 0.3)
        let examined = try #require(try engine.examineFace(in: large, choosing: .largest, options: .photo()))
        #expect(examined.box == face.box)
        #expect(examined.descriptor.distance(to: descriptor) < 1e-5)
    }
}
