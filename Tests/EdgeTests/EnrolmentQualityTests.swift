import Consent
import Edge
import FaceEngine
import FacegateCore
import FacegateTestSupport
import Logging
import Testing
import Vault

/// Enrolment holds each photo's face to `FaceQuality.enrolmentBar`: a turned or blurred
/// face is refused with what to do, and nothing is stored; identification is not held
/// to it.
@Suite("Enrolment quality", .perTestLimit)
struct EnrolmentQualityTests {
    static let root = Caller.user(OSUser(uid: 0, gid: 0, name: "root"))

    static func withOperations(_ body: (ApplianceOperations, ConsentRegistry) throws -> Void) throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open(loadGallery: true)
        defer { registry.close() }
        try body(
            ApplianceOperations(registry: registry, models: TestResources.models, engine: TestEngine.shared, logger: Logger(label: "test")),
            registry)
    }

    /// The refusal `enrol` throws for `image`, nil when it enrols.
    static func refusal(_ operations: ApplianceOperations, _ image: RGBImage) -> OperationError? {
        do {
            _ = try operations.enrol(images: [.frame(name: "photo", image)], request: ConsentFixture.request(), caller: root)
            return nil
        } catch {
            return error as? OperationError
        }
    }

    @Test("a sharp frontal photo passes the bar and is enrolled")
    func frontalPasses() throws {
        try Self.withOperations { operations, registry in
            let image = try TestEngine.image("obama.jpg")
            let quality = try #require(try TestEngine.shared.examineFace(in: image, choosing: .largest, options: .photo())).quality
            #expect(quality.shortfall(of: FaceQuality.enrolmentBar) == nil, "\(quality)")
            #expect(Self.refusal(operations, image) == nil)
            #expect(registry.vault.gallery.subjectCount == 1)
        }
    }

    @Test("a blurred photo is refused at enrolment, saying it is blurred, and nothing is stored")
    func blurredIsRefused() throws {
        try Self.withOperations { operations, registry in
            // obama.jpg's face is about 270 px wide: a 13x13 box blur leaves a face any
            // detector finds, but no detail a template should be made from.
            let blurred = BoxBlur.blurred(try TestEngine.image("obama.jpg"), radius: 6)
            let face = try #require(try TestEngine.shared.examineFace(in: blurred, choosing: .largest, options: .photo()))
            #expect(face.quality.shortfall(of: FaceQuality.enrolmentBar) == .blurred, "\(face.quality)")
            let refusal = try #require(Self.refusal(operations, blurred))
            #expect(refusal.code == .enrolmentRefused)
            #expect(refusal.message.contains("the photo is blurred"), "\(refusal.message)")
            #expect(registry.vault.gallery.subjectCount == 0)
        }
    }

    @Test("a turned face is refused at enrolment with its angle, and still identified")
    func turnedIsRefused() throws {
        guard let faces = TestResources.sharedFaces(checking: "the turned-face photo") else { return }
        try Self.withOperations { operations, registry in
            let photo = try ImageDecoder().decode(file: faces + "/" + TurnedFace.file)
            let turned = TurnedFace.crop(photo)
            let face = try #require(try TestEngine.shared.examineFace(in: turned, choosing: .largest, options: .photo()))
            guard case .turned(let degrees) = face.quality.shortfall(of: FaceQuality.enrolmentBar) else {
                Issue.record("the turned face passed the bar: \(face.quality)")
                return
            }
            let refusal = try #require(Self.refusal(operations, turned))
            #expect(refusal.code == .enrolmentRefused)
            #expect(refusal.message.contains("the face is turned about \(degrees)°"), "\(refusal.message)")
            #expect(registry.vault.gallery.subjectCount == 0)
            let identified = try operations.identify(.frame(name: "photo", turned), caller: Self.root)
            #expect(identified["faces"]?.arrayValue?.count == 1)
        }
    }
}
