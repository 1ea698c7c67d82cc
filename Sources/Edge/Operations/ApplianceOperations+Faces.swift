public import Consent
public import FaceEngine
public import FacegateCore
import Synchronization
public import Vault

extension ApplianceOperations {
    /// What an enrolment stored.
    public struct Enrolled: Sendable {
        public var subject: SubjectID
        public var templates: Int
        public var consentRecord: String
        public var expiresAt: Double

        public var json: JSONValue {
            [
                "subject": .string(subject.rawValue), "templates": .int(templates), "consent_record": .string(consentRecord),
                "expires_at": .string(Timestamp.iso8601(expiresAt)),
            ]
        }
    }

    /// Enrols one person from photos (the largest face of each), with their consent, in
    /// one transaction. Refuses, storing nothing, when an image has no face, when its
    /// face is turned or blurred beyond `FaceQuality.enrolmentBar`, when the photos do
    /// not show the same person, or when the face is already enrolled.
    public func enrol(
        images: [ImageSource], request: EnrolmentRequest, detector: DetectionOptions.Detector = .auto, caller: Caller
    ) throws -> Enrolled {
        _ = try registry.validate(request)
        guard !images.isEmpty else { throw OperationError(.invalidArgument, "enrolment needs at least one photo of the person") }
        let engine = try engine()
        // The working resolution is chosen per photo: a phone photo is enrolled in a
        // fraction of a second, its face described at full resolution.
        let options = DetectionOptions.photo(detector: detector)
        var descriptors: [FaceDescriptor] = []
        defer { descriptors.forEach { $0.wipe() } }
        for image in images {
            let examined = try withDecodedPhoto(image) { photo in try engine.examineFace(in: photo, choosing: .largest, options: options) }
            guard let face = examined else {
                throw OperationError(
                    .enrolmentRefused, "'\(image.name)': no face found; use a frontal photo where the face is at least 60 px wide")
            }
            // A template is used for years: a turned or blurred face is refused for a
            // retake rather than stored as a weak template.
            if let shortfall = face.quality.shortfall(of: FaceQuality.enrolmentBar) {
                face.descriptor.wipe()
                throw OperationError(.enrolmentRefused, "'\(image.name)': \(shortfall.advice)")
            }
            descriptors.append(face.descriptor)
        }
        let threshold = policy.recognition.threshold
        try registry.catchUpWithErasures()
        for (i, a) in descriptors.enumerated() {
            for j in (i + 1)..<descriptors.count {
                let distance = a.distance(to: descriptors[j])
                if Double(distance) >= threshold {
                    throw OperationError(
                        .enrolmentRefused,
                        "'\(images[i].name)' and '\(images[j].name)' do not show the same person (distance \(Self.rounded(distance)) ≥ \(threshold)); enrol one person at a time"
                    )
                }
            }
        }
        let (enrolled, record) = try enrolment.withLock { _ in
            for (index, descriptor) in descriptors.enumerated() {
                if let match = registry.vault.gallery.search(descriptor, k: 1).first, Double(match.distance) < threshold {
                    throw OperationError(
                        .enrolmentRefused,
                        "'\(images[index].name)' shows a face already enrolled as subject \(match.subject) (distance \(Self.rounded(match.distance))); erase that subject first, or keep the existing enrolment"
                    )
                }
            }
            return try registry.enrol(request, embeddings: descriptors, by: caller.actor)
        }
        return Enrolled(subject: enrolled.id, templates: enrolled.templates.count, consentRecord: record.id, expiresAt: enrolled.expiresAt)
    }

    /// Who is in a photo: per face, the matching subject, distance and decision.
    /// Stores nothing; the descriptors are wiped as soon as they are matched.
    /// Faces are not held to the enrolment bar: a turned face is answered as well as it can be.
    public func identify(_ image: ImageSource, detector: DetectionOptions.Detector = .auto, caller: Caller) throws -> JSONValue {
        let engine = try engine()
        let analysis = try withDecodedPhoto(image) { photo in try engine.analyze(photo, options: .photo(detector: detector), describe: true)
        }
        let showNames = seesNames(caller)
        let recognizer = Recognizer(registry: registry)
        try recognizer.catchUpWithErasures()
        var faces: [JSONValue] = []
        for face in analysis.faces {
            guard let descriptor = face.descriptor else { continue }
            let decision = recognizer.decide(descriptor)
            let box = face.box.clipped(width: analysis.width, height: analysis.height)
            var object: JSONObject = [
                "box": ["left": .int(box.left), "top": .int(box.top), "right": .int(box.right), "bottom": .int(box.bottom)],
                "subject": .string(decision.subject?.rawValue),
                "distance": decision.distance.map { .double(Self.rounded($0)) } ?? .null,
                "decision": .string(decision.kind.rawValue),
                "detector": .string(face.box.pass.rawValue),
            ]
            if let subject = decision.subject {
                // Who was found, under their pseudonym: they may learn of the lookup (Art. 15).
                var details: JSONObject = [:]
                if case .console(let account) = caller { details["role"] = .string(account.role.rawValue) }
                try registry.recordLookup(of: subject, decision: decision.kind.rawValue, actor: caller.actor, details: details)
            }
            if showNames, let subject = decision.subject, let profile = try? registry.vault.profile(of: subject) {
                object["name"] = .string(DisplayText.neutralised(profile.displayName))
                // Door staff see a name and a decision, as the record of processing says;
                // consent, visits and the deny-list are for administrators.
                if seesGovernance(caller) { object.entries.append(contentsOf: try memberFacts(subject, caller: caller).entries) }
            }
            faces.append(.object(object))
        }
        return ["file": .string(image.name), "faces": .array(faces)]
    }

    /// What an administrator identifying a member sees beside the name: the purposes and
    /// expiry of their consent, their recent visits only if they consented to attendance
    /// analytics, their incidents and deny-list status. Door staff see none of it.
    func memberFacts(_ subject: SubjectID, caller: Caller) throws -> JSONObject {
        var facts = JSONObject()
        guard let consent = registry.activeConsent(of: subject) else { return facts }
        facts["purposes"] = .array(consent.purposes.sorted().map(JSONValue.string))
        facts["consent_expires_at"] = .string(Timestamp.iso8601(consent.expiresAt))
        if consent.purposes.contains(ConsentRegistry.analyticsPurpose) {
            facts["recent_visits"] = .array(try registry.visits(of: subject).suffix(5).reversed().map { .string(Timestamp.iso8601($0)) })
        }
        if seesGovernance(caller) {
            facts["incidents"] = .int(try registry.incidents(of: subject).count)
            facts["deny_listed"] = .bool(registry.isDenyListed(subject))
        }
        return facts
    }
}
