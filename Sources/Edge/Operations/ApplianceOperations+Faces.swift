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
        let descriptors = try templates(from: images, detector: detector)
        defer { descriptors.forEach { $0.wipe() } }
        try registry.catchUpWithErasures()
        let (enrolled, record, overridden) = try enrolment.withLock { _ in
            // Refused only when a different person would come this close to a member by
            // chance at most once in a thousand enrolments (the calibration's), not at the
            // door's threshold: that turned away new members as someone they are not.
            let duplicate = registry.duplicateThreshold
            var overridden: [(subject: SubjectID, distance: Float)] = []
            for (index, descriptor) in descriptors.enumerated() {
                guard let match = registry.vault.gallery.search(descriptor, k: 1).first, Double(match.distance) < duplicate else {
                    continue
                }
                if request.differentFrom.contains(match.subject) {
                    guard seesGovernance(caller) else {
                        throw OperationError(
                            .notPermitted, "only an admin may confirm that a face taken for a member's is someone else's")
                    }
                    if !overridden.contains(where: { $0.subject == match.subject }) { overridden.append((match.subject, match.distance)) }
                    continue
                }
                let name = seesNames(caller) ? (try? registry.vault.profile(of: match.subject))?.displayName : nil
                throw OperationError(
                    .enrolmentRefused,
                    "'\(images[index].name)' shows a face already enrolled as subject \(match.subject)"
                        + (name.map { " (\($0))" } ?? "")
                        + " (distance \(Self.rounded(match.distance)), below \(Self.rounded(Float(duplicate))) where a different person is that close at most once in \(Int((1 / RecognitionCalibration.duplicateChance).rounded())) enrolments); "
                        + "if it is the same person, keep the existing enrolment or erase it first; if they are two different people, an admin can enrol anyway with --different-from \(match.subject) (audited)"
                )
            }
            let (enrolled, record) = try registry.enrol(request, embeddings: descriptors, by: caller.actor)
            return (enrolled, record, overridden)
        }
        for (subject, distance) in overridden {
            // Who confirmed two different people, and how close the faces were: the DPO's
            // trail for an enrolment the duplicate check would have refused.
            try registry.recordAudit(
                actor: caller.actor, action: "enrol.duplicate_overridden",
                details: [
                    "subject": .string(enrolled.id.rawValue), "different_from": .string(subject.rawValue),
                    "distance": .double(Self.rounded(distance)),
                ])
        }
        return Enrolled(subject: enrolled.id, templates: enrolled.templates.count, consentRecord: record.id, expiresAt: enrolled.expiresAt)
    }

    /// The templates of the one person in `images` (the largest face of each), each
    /// held to `FaceQuality.enrolmentBar`, all of the same person (closer to each other
    /// than the policy's threshold). The caller wipes them.
    func templates(from images: [ImageSource], detector: DetectionOptions.Detector) throws -> [FaceDescriptor] {
        let engine = try engine()
        // The working resolution is chosen per photo: a phone photo is enrolled in a
        // fraction of a second, its face described at full resolution.
        let options = DetectionOptions.photo(detector: detector)
        var descriptors: [FaceDescriptor] = []
        var kept = false
        defer { if !kept { descriptors.forEach { $0.wipe() } } }
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
        kept = true
        return descriptors
    }

    /// Adds photos of an enrolled member: more templates, so that a member the door
    /// often misses (one old photo, glasses since, a beard) is recognised. Each photo is
    /// held to the enrolment bar and must show that member (closer to their templates
    /// than the policy's threshold, and not nearer another member); their consent record
    /// is unchanged; the addition is audited (`subject.add_photos`).
    public func addPhotos(
        images: [ImageSource], to subject: SubjectID, detector: DetectionOptions.Detector = .auto, caller: Caller
    ) throws -> JSONValue {
        guard !images.isEmpty else { throw OperationError(.invalidArgument, "adding photos needs at least one photo of the member") }
        let descriptors = try templates(from: images, detector: detector)
        defer { descriptors.forEach { $0.wipe() } }
        try registry.catchUpWithErasures()
        let threshold = policy.recognition.threshold
        let added = try enrolment.withLock { _ in
            for (index, descriptor) in descriptors.enumerated() {
                guard let own = registry.vault.gallery.verify(descriptor, against: subject) else {
                    throw OperationError(.invalidArgument, "subject \(subject) is not enrolled here; check the id (`facegate subjects`)")
                }
                guard Double(own) < threshold else {
                    throw OperationError(
                        .enrolmentRefused,
                        "'\(images[index].name)' does not show subject \(subject) (distance \(Self.rounded(own)) to their templates ≥ \(threshold)); add photos of the member only"
                    )
                }
                if let nearest = registry.vault.gallery.search(descriptor, k: 1).first, nearest.subject != subject,
                    nearest.distance < own
                {
                    throw OperationError(
                        .enrolmentRefused,
                        "'\(images[index].name)' is nearer subject \(nearest.subject) (distance \(Self.rounded(nearest.distance))) than subject \(subject) (\(Self.rounded(own))): added, it would make the door confuse them"
                    )
                }
            }
            return try registry.addPhotos(to: subject, embeddings: descriptors, by: caller.actor)
        }
        return [
            "subject": .string(subject.rawValue), "templates_added": .int(added.count),
            "templates": .int(registry.vault.gallery.templateCount(of: subject)),
        ]
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
