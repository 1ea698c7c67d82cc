import FaceEngine
import FacegateCore
import FacegateTestSupport
import Foundation
import Logging
import Testing

/// The two builds of dlib's HOG, landmark and chip code (baseline and x86-64-v3) must be
/// interchangeable: same boxes and landmarks, descriptors within 1e-4, and v3 chosen
/// wherever the CPU can run it. (`ReferenceParityTests` holds each to the reference.)
@Suite("SIMD code paths", .perTestLimit)
struct SIMDPathTests {
    static let v3CPU = SIMDPath.x86V3.cpuSupports

    @Test("the baseline always runs; x86-64-v3 runs, and is the default, exactly where the CPU has it")
    func availability() {
        #expect(SIMDPath.baseline.isAvailable)
        #expect(SIMDPath.baseline.cpuSupports)
        if Self.v3CPU {
            #expect(SIMDPath.x86V3.unavailableReason == nil, "libFacegateHOGv3.so should load from beside the test binary")
            let forced = ProcessEnvironment.current[SIMDPath.environmentVariable] == "baseline"
            #expect(SIMDPath.processDefault == (forced ? .baseline : .x86V3))
        } else {
            #expect(SIMDPath.x86V3.unavailableReason?.isEmpty == false)
            #expect(SIMDPath.processDefault == .baseline)
        }
        #expect(SIMDPath.x86V3.description == "x86-64-v3 (AVX2, FMA)")
        #expect(SIMDPath.processReport.hasPrefix(SIMDPath.processDefault.description))
    }

    @Test(
        "an engine on the other path is refused with the reason, not silently given the baseline",
        .enabled(if: !v3CPU, "this CPU runs x86-64-v3, so no path is refused here"))
    func unavailablePathRefused() {
        #expect(throws: FaceEngineError.self) {
            try FaceEngine(models: TestResources.models, simd: .x86V3, logger: .init(label: "test"))
        }
    }

    /// Every face of one photo on one path: boxes, landmarks and descriptors.
    static func analysis(_ image: RGBImage, on path: SIMDPath, upsample: Int) throws -> FaceAnalysis {
        try TestEngine.engine(on: path).analyze(image, options: DetectionOptions(upsample: upsample), describe: true)
    }

    static func expectSame(_ image: RGBImage, upsample: Int, _ what: String) throws {
        let baseline = try analysis(image, on: .baseline, upsample: upsample)
        let v3 = try analysis(image, on: .x86V3, upsample: upsample)
        let corners = { (face: FaceAnalysis.Face) in [face.box.left, face.box.top, face.box.right, face.box.bottom] }
        #expect(baseline.faces.map(corners) == v3.faces.map(corners), "\(what), upsample \(upsample): boxes")
        let points = { (face: FaceAnalysis.Face) in face.landmarks?.points ?? [] }
        #expect(baseline.faces.map(points) == v3.faces.map(points), "\(what), upsample \(upsample): landmarks")
        for (ours, theirs) in zip(baseline.faces, v3.faces) {
            let distance = try #require(ours.descriptor).distance(to: try #require(theirs.descriptor))
            #expect(distance <= 1e-4, "\(what), upsample \(upsample): descriptors differ by \(distance)")
        }
        for (ours, theirs) in zip(baseline.faces, v3.faces) {
            #expect(abs(ours.box.confidence - theirs.box.confidence) < 1e-4, "\(what): detector scores")
        }
    }

    @Test(
        "both paths find the same faces in every fixture photo, with and without an upsample",
        .enabled(if: v3CPU, "the CPU lacks x86-64-v3: only the baseline can run here"),
        arguments: ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "obama_partial_face.jpg", "obama_partial_face2.jpg", "t1.jpg"])
    func sameFacesOnFixtures(file: String) throws {
        let image = try TestEngine.image(file)
        for upsample in [0, 1] { try Self.expectSame(image, upsample: upsample, file) }
    }

    @Test(
        "both paths find the same faces in a 640x480 frame and in the shared group photos",
        .enabled(if: v3CPU, "the CPU lacks x86-64-v3: only the baseline can run here"))
    func sameFacesOnFramesAndGroups() throws {
        let frame = try TestEngine.image("t1.jpg").downscaled(toWidth: 640, height: 480)
        for upsample in [0, 1] { try Self.expectSame(frame, upsample: upsample, "t1.jpg at 640x480") }
        guard let groups = try TestEngine.sharedGroupPhotos(limit: 6, checking: "both SIMD paths on the group photos") else { return }
        #expect(!groups.isEmpty)
        for photo in groups { try Self.expectSame(photo.image, upsample: 0, photo.name) }
    }
}
