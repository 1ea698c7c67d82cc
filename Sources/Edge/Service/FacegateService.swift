public import Consent
public import FaceEngine
public import FacegateCore
public import Logging
import Synchronization
public import Vault

/// The appliance's operations, one code path for every caller: the CLI runs them
/// in-process when no daemon is running, and the admin socket runs the same methods
/// inside the daemon. Each returns JSON or throws a `UserFacingError`.
public final class FacegateService: @unchecked Sendable {
    public let registry: ConsentRegistry
    public let models: ModelFiles
    let decoder: ImageDecoder
    let logger: Logger
    private let loadedEngine = Mutex<FaceEngine?>(nil)
    /// Held from the duplicate-face check to the commit of an enrolment, so that two
    /// enrolments of one face at once (two admins, two tablets) leave one subject.
    private let enrolment = Mutex(())

    /// True in the daemon: its gallery is loaded and serves the door.
    public let servesDoor: Bool

    public init(registry: ConsentRegistry, models: ModelFiles, engine: FaceEngine? = nil, servesDoor: Bool = false, logger: Logger) {
        self.registry = registry
        self.models = models
        self.servesDoor = servesDoor
        self.decoder = ImageDecoder()
        self.logger = logger
        loadedEngine.withLock { $0 = engine }
    }

    public var policy: Policy { registry.policy }

    /// The face engine, loaded on first use (commands that only touch records never
    /// load the models).
    public func engine() throws -> FaceEngine {
        try loadedEngine.withLock { engine in
            if let engine { return engine }
            let loaded = try FaceEngine(models: models, logger: logger)
            engine = loaded
            return loaded
        }
    }

    /// Whether `caller` may see names and use admin operations: root, the service
    /// user, or a member of the policy's admin group.
    public func isAdmin(_ caller: OSUser) -> Bool {
        caller.uid == 0 || caller.name == policy.appliance.serviceUser || caller.isMember(ofGroup: policy.appliance.adminGroup)
    }

    // MARK: Enrolment

    /// Enrols one person from photos (the largest face of each), with their consent, in
    /// one transaction. Refuses, storing nothing, when an image has no face, when the
    /// photos do not show the same person, or when the face is already enrolled.
    public func enroll(images: [ImageSource], request: EnrolmentRequest, caller: OSUser) throws -> JSONValue {
        _ = try registry.validate(request)
        guard !images.isEmpty else { throw ConsentError(.invalidArgument, "enrolment needs at least one photo of the person") }
        let engine = try engine()
        let options = DetectionOptions(upsample: 1)
        var descriptors: [FaceDescriptor] = []
        defer { descriptors.forEach { $0.wipe() } }
        for image in images {
            let decoded = try image.decode(with: decoder)
            let boxes = try engine.detect(in: decoded, options: options)
            guard let largest = boxes.max(by: { $0.area < $1.area }) else {
                throw ConsentError(.enrolmentRefused, "'\(image.name)': no face found; use a frontal photo where the face is at least 40 px wide")
            }
            let chips = try engine.alignedChips(in: decoded, for: engine.landmarks(in: decoded, for: [largest]))
            descriptors.append(try engine.descriptors(of: chips)[0])
        }
        let threshold = policy.recognition.threshold
        try registry.catchUpWithErasures()
        for (i, a) in descriptors.enumerated() {
            for j in (i + 1)..<descriptors.count {
                let distance = a.distance(to: descriptors[j])
                if Double(distance) >= threshold {
                    throw ConsentError(.enrolmentRefused, "'\(images[i].name)' and '\(images[j].name)' do not show the same person (distance \(Self.rounded(distance)) ≥ \(threshold)); enrol one person at a time")
                }
            }
        }
        let (enrolled, record) = try enrolment.withLock { _ in
            for (index, descriptor) in descriptors.enumerated() {
                if let match = registry.vault.gallery.search(descriptor, k: 1).first, Double(match.distance) < threshold {
                    throw ConsentError(.enrolmentRefused, "'\(images[index].name)' shows a face already enrolled as subject \(match.subject) (distance \(Self.rounded(match.distance))); erase that subject first, or keep the existing enrolment")
                }
            }
            return try registry.enrol(request, embeddings: descriptors, by: caller)
        }
        return ["subject": .string(enrolled.id.rawValue), "templates": .int(enrolled.templates.count), "consent_record": .string(record.id),
                "expires_at": .string(Timestamp.iso8601(enrolled.expiresAt))]
    }

    // MARK: Identification

    /// Who is in each photo: per face, the matching subject, distance and decision.
    /// Stores nothing; the descriptors are wiped as soon as they are matched.
    public func identify(_ image: ImageSource, caller: OSUser, denyListed: (SubjectID) -> Bool = { _ in false }) throws -> JSONValue {
        let engine = try engine()
        let decoded = try image.decode(with: decoder)
        let recognition = policy.recognition
        let analysis = try engine.analyze(decoded, options: DetectionOptions(upsample: max(1, recognition.upsample)), describe: true)
        let showNames = isAdmin(caller)
        try registry.catchUpWithErasures()
        var faces: [JSONValue] = []
        for face in analysis.faces {
            guard let descriptor = face.descriptor else { continue }
            let matches = registry.vault.gallery.search(descriptor, k: 2)
            descriptor.wipe()
            let decision = MatchDecision.decide(
                matches, threshold: recognition.threshold, margin: recognition.margin,
                hasConsent: { self.registry.activeConsent(of: $0) != nil },
                isDenyListed: { self.registry.isDenyListed($0) || denyListed($0) })
            let box = face.box.clipped(width: analysis.width, height: analysis.height)
            var object: JSONObject = [
                "box": ["left": .int(box.left), "top": .int(box.top), "right": .int(box.right), "bottom": .int(box.bottom)],
                "subject": .string(decision.subject?.rawValue),
                "distance": decision.distance.map { .double(Self.rounded($0)) } ?? .null,
                "decision": .string(decision.kind.rawValue),
            ]
            if showNames, let subject = decision.subject, let profile = try? registry.vault.profile(of: subject) {
                object["name"] = .string(profile.displayName)
            }
            faces.append(.object(object))
        }
        return ["file": .string(image.name), "faces": .array(faces)]
    }

    // MARK: Records

    public func subjects(caller: OSUser, includeNames: Bool) throws -> JSONValue {
        if includeNames && !isAdmin(caller) {
            throw ConsentError(.notPermitted, "only root or members of '\(policy.appliance.adminGroup)' may list names")
        }
        let listing = try registry.subjects()
        if includeNames {
            try registry.recordAudit(actor: caller, action: "subjects.list_names", details: ["subjects": .int(listing.count)])
        }
        return ["subjects": .array(try listing.map { entry in
            var object: JSONObject = [
                "subject": .string(entry.subject.rawValue), "expires_at": .string(Timestamp.iso8601(entry.expiresAt)),
                "purposes": .array(entry.purposes.map(JSONValue.string)),
            ]
            if includeNames { object["name"] = .string(try registry.vault.profile(of: entry.subject).displayName) }
            return .object(object)
        })]
    }

    public func withdraw(_ subject: SubjectID, purposes: [String]?, caller: OSUser) throws -> JSONValue {
        let result = try registry.withdraw(subject, purposes: purposes, actor: caller)
        return ["subject": .string(subject.rawValue), "withdrawn": .array(result.withdrawnPurposes.map(JSONValue.string)),
                "erased": .bool(result.erased), "remaining_purposes": .array(result.remainingPurposes.map(JSONValue.string))]
    }

    public func erase(_ subject: SubjectID, caller: OSUser) throws -> JSONValue {
        try registry.erase(subject, reason: .request, actor: caller)
        return ["subject": .string(subject.rawValue), "erased": true]
    }

    public func purge(caller: OSUser) throws -> JSONValue {
        try registry.sweep(actor: caller).json
    }

    /// Reloads the policy file the service was started with (validated first; a bad
    /// file changes nothing).
    public func reloadPolicy(caller: OSUser) throws -> JSONValue {
        let fresh = try Policy.load(path: policy.sourcePath)
        try registry.reload(policy: fresh, actor: caller)
        return ["policy": .string(fresh.sourcePath), "deny_list": .string(fresh.denyList.isActive ? "enabled" : "disabled")]
    }

    static func rounded(_ value: Float) -> Double { (Double(value) * 10_000).rounded() / 10_000 }
}
