import Consent
import Edge
import FaceEngine
import FacegateCore
import FacegateTestSupport
import Logging
import Testing
import Vault

/// Enrolment's duplicate check uses the calibration, not the door's threshold: a face
/// is refused as already enrolled only when a different person would come that close
/// by chance at most once in a thousand enrolments; the refusal names the member, and
/// an admin may confirm two different people (audited). Photos are added to a member
/// the same way: held to the bar, checked to be that member, audited.
@Suite("Enrolment duplicates and added photos", .perTestLimit)
struct EnrolmentDuplicateTests {
    static let root = Caller.user(OSUser(uid: 0, gid: 0, name: "root"))

    static func withOperations(_ body: (ApplianceOperations, ConsentRegistry) throws -> Void) throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open(loadGallery: true)
        defer { registry.close() }
        try body(
            ApplianceOperations(registry: registry, models: TestResources.models, engine: TestEngine.shared, logger: Logger(label: "test")),
            registry)
    }

    /// The face of obama.jpg as enrolment describes it.
    static func obama() throws -> (image: RGBImage, descriptor: FaceDescriptor) {
        let image = try TestEngine.image("obama.jpg")
        let face = try #require(try TestEngine.shared.examineFace(in: image, choosing: .largest, options: .photo()))
        return (image, face.descriptor)
    }

    /// Enrols `count` members far from any face (one axis each, 2 from the origin):
    /// a gallery of a venue's size, which lowers the duplicate distance.
    static func crowd(_ registry: ConsentRegistry, count: Int) throws {
        let people = (0..<count).map { index -> (request: EnrolmentRequest, embeddings: [FaceDescriptor]) in
            var values = [Float](repeating: 0, count: FaceDescriptor.dimensions)
            values[1 + index % (FaceDescriptor.dimensions - 1)] = 2 + Float(index / (FaceDescriptor.dimensions - 1))
            return (ConsentFixture.request("Crowd \(index)"), [FaceDescriptor(values)])
        }
        _ = try registry.enrol(people, by: OSUser(uid: 0, gid: 0, name: "root"))
    }

    /// A descriptor `distance` from `descriptor`, along one axis.
    static func moved(_ descriptor: FaceDescriptor, by distance: Float) -> FaceDescriptor {
        var values = descriptor.values
        values[0] += distance
        return FaceDescriptor(values)
    }

    @Test("a face nearer a member than the calibration's duplicate distance is refused, naming the member to an admin")
    func closeFaceRefused() throws {
        try Self.withOperations { operations, registry in
            let (image, descriptor) = try Self.obama()
            try Self.crowd(registry, count: 299)
            let duplicate = registry.duplicateThreshold
            #expect(duplicate > 0.2 && duplicate < registry.policy.recognition.threshold, "\(duplicate)")
            let (member, _) = try registry.enrol(
                ConsentFixture.request("Member"), embeddings: [Self.moved(descriptor, by: Float(duplicate) / 2)],
                by: OSUser(uid: 0, gid: 0, name: "root"))
            do {
                _ = try operations.enrol(images: [.frame(name: "photo", image)], request: ConsentFixture.request(), caller: Self.root)
                Issue.record("the duplicate was enrolled")
            } catch let error as OperationError {
                #expect(error.code == .enrolmentRefused)
                #expect(error.message.contains(member.id.rawValue) && error.message.contains("(Member)"), "\(error.message)")
                #expect(error.message.contains("--different-from \(member.id)"), "\(error.message)")
            }
            #expect(registry.vault.gallery.subjectCount == 300)
        }
    }

    @Test("a face between the duplicate distance and the door's threshold is a new member, no longer refused")
    func newPersonEnrolled() throws {
        try Self.withOperations { operations, registry in
            let (image, descriptor) = try Self.obama()
            try Self.crowd(registry, count: 299)
            let between = Float((registry.duplicateThreshold + registry.policy.recognition.threshold) / 2)
            #expect(Double(between) > registry.duplicateThreshold + 0.01, "a gallery of 300 has a duplicate distance below 0.6")
            _ = try registry.enrol(
                ConsentFixture.request("Member"), embeddings: [Self.moved(descriptor, by: between)],
                by: OSUser(uid: 0, gid: 0, name: "root"))
            let enrolled = try operations.enrol(
                images: [.frame(name: "photo", image)], request: ConsentFixture.request(), caller: Self.root)
            #expect(enrolled.templates == 1)
            #expect(registry.vault.gallery.subjectCount == 301)
        }
    }

    @Test("an admin's confirmation of two different people enrols the face, audited; anyone else is refused")
    func adminOverride() throws {
        try Self.withOperations { operations, registry in
            let (image, descriptor) = try Self.obama()
            let (member, _) = try registry.enrol(
                ConsentFixture.request("Member"), embeddings: [Self.moved(descriptor, by: 0.05)], by: OSUser(uid: 0, gid: 0, name: "root"))
            var request = ConsentFixture.request()
            request.differentFrom = [member.id]
            let visitor = Caller.user(OSUser(uid: 4242, gid: 4242, name: "visitor"))
            #expect(throws: OperationError.self) {
                try operations.enrol(images: [.frame(name: "photo", image)], request: request, caller: visitor)
            }
            let enrolled = try operations.enrol(images: [.frame(name: "photo", image)], request: request, caller: Self.root)
            #expect(registry.vault.gallery.subjectCount == 2)
            let entry = try #require(
                try registry.vault.read { db in try AuditLog.entries(in: db) }.last { $0.action == "enrol.duplicate_overridden" })
            #expect(entry.details["subject"]?.stringValue == enrolled.subject.rawValue)
            #expect(entry.details["different_from"]?.stringValue == member.id.rawValue)
            #expect(entry.actor == "root")
        }
    }

    @Test("photos added to a member become templates of theirs, audited, the consent record unchanged; another person's are refused")
    func addPhotos() throws {
        try Self.withOperations { operations, registry in
            let enrolled = try operations.enrol(
                images: [.frame(name: "obama", try TestEngine.image("obama.jpg"))], request: ConsentFixture.request(), caller: Self.root)
            let before = try registry.consentRecords(of: enrolled.subject)
            let answer = try operations.addPhotos(
                images: [.frame(name: "obama2", try TestEngine.image("obama2.jpg"))], to: enrolled.subject, caller: Self.root)
            #expect(answer["templates_added"]?.intValue == 1 && answer["templates"]?.intValue == 2)
            #expect(registry.vault.gallery.templateCount(of: enrolled.subject) == 2)
            #expect(try registry.consentRecords(of: enrolled.subject) == before)
            let entry = try #require(
                try registry.vault.read { db in try AuditLog.entries(in: db) }.last { $0.action == "subject.add_photos" })
            #expect(entry.subject == enrolled.subject.rawValue && entry.details["templates"]?.intValue == 1)
            // Biden is not this member: refused, nothing added.
            #expect(throws: OperationError.self) {
                try operations.addPhotos(
                    images: [.frame(name: "biden", try TestEngine.image("biden.jpg"))], to: enrolled.subject, caller: Self.root)
            }
            #expect(registry.vault.gallery.templateCount(of: enrolled.subject) == 2)
        }
    }
}
