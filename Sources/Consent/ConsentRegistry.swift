public import FacegateCore
import GRDB
public import Logging
public import Vault

/// The consent side of the appliance: no template without a valid consent record,
/// withdrawal and erasure that take effect before they return, retention, visits,
/// and an audit entry for every one of these, in the same transaction as the change.
///
/// Opening one needs the state directory's lock (`StateDirectoryLock`), held for as
/// long as the registry lives: one writer per state directory.
///
/// The registry itself opens and closes, holds the policy in force, enrols, withdraws
/// and erases; the other concerns are components sharing its vault, audit log, clock,
/// policy and caches: `denyList`, `doorAlerts`, `visitLog`, `cards`, `panelCredentials`, `accounts`,
/// `exports` and `retentionSweep`. Its methods for those (`ConsentRegistry+Components.swift`) only
/// forward to them.
public final class ConsentRegistry: @unchecked Sendable {
    public let vault: VaultStore
    public let audit: AuditLog
    public let location: VaultLocation
    /// Deny-list governance: incidents, entries and their approval process.
    public let denyList: DenyListGovernance
    /// Alerts raised at the door for entries in force.
    public let doorAlerts: DoorAlerts
    /// Visits, daily counters, statistics.
    public let visitLog: VisitLog
    /// The DPO's exports.
    public let exports: ConsentExports
    /// The retention policy, applied.
    public let retentionSweep: RetentionSweep
    /// Members' cards, stored as keyed digests.
    public let cards: MemberCards
    /// The card numbers the door sends the venue's access panel for its members.
    public let panelCredentials: PanelCredentials
    /// The web console's accounts (Argon2id password hashes) and API tokens (digests).
    public let accounts: ConsoleAccounts
    let clock: any WallClock
    let logger: Logger
    let policies: CurrentPolicy
    let cache: ConsentCache
    let companion: ConsentCompanion
    let breaches: BreachRecorder
    private let lock: StateDirectoryLock
    /// Set by the fleet's sync when this door may no longer decide `member`.
    public let membershipHold = MembershipHold()
    /// The derived recognition rule, kept while the gallery's size holds.
    let recognitionRules = RecognitionRuleCache()

    /// What a subject agreed to, as the door needs to know it.
    public struct ActiveConsent: Sendable, Equatable {
        public var record: String
        public var purposes: Set<String>
        public var expiresAt: Double
    }

    /// Why a subject was erased; a fixed list, so that no free text (which could hold
    /// personal data) reaches the audit log.
    public enum ErasureReason: String, Sendable, CaseIterable {
        case request, withdrawal, retention, integrity
        /// A door's enrolment the fleet's hub refused: the same face was already a
        /// member, enrolled at another door first.
        case duplicate
    }

    /// Opens the registry on the vault in `location` under `lock`: loads the keys
    /// (refusing bad key files), opens the database (the audit log catching up with
    /// its file, the erasure journal replayed through the one erasure path, key
    /// epochs maintained) and loads the gallery unless told not to.
    public static func open(
        policy: Policy, location: VaultLocation, lock: StateDirectoryLock, environment: [String: String],
        clock: any WallClock = SystemWallClock(), logger: Logger, loadGallery: Bool = true, creating: Bool = false
    ) throws -> ConsentRegistry {
        guard lock.location == location else {
            throw ConsentError(.conflict, "the lock held is for '\(lock.location.stateDirectory)', not '\(location.stateDirectory)'")
        }
        let keys = try KeyRing.load(directory: location.keys, environment: environment)
        let file = try AuditFile(path: location.auditFile, anchorPath: location.auditAnchor)
        let audit = AuditLog(
            signingKey: try location.keys.loadSigningKey(), clock: clock, checkpointEvery: policy.audit.checkpointEvery, file: file,
            logger: logger)
        let cache = ConsentCache()
        let companion = ConsentCompanion(audit: audit, cache: cache, clock: clock, location: location)
        let vault = try VaultStore.open(
            path: location.database, keys: keys, companion: companion, backupRetentionSeconds: policy.retention.backupDays * 86_400,
            clock: clock, logger: logger, loadGallery: false, creating: creating)
        defer { location.giveFilesToOwner() }
        let registry = ConsentRegistry(
            vault: vault, audit: audit, location: location, policy: policy, cache: cache, companion: companion, lock: lock, clock: clock,
            logger: logger)
        try registry.reloadConsents()
        try registry.denyList.reloadInForce()
        try registry.denyList.auditPolicySwitch(actor: .system)
        try registry.breaches.reportUnreadableKeys()
        if loadGallery { try registry.loadGallery() }
        return registry
    }

    private init(
        vault: VaultStore, audit: AuditLog, location: VaultLocation, policy: Policy, cache: ConsentCache, companion: ConsentCompanion,
        lock: StateDirectoryLock, clock: any WallClock, logger: Logger
    ) {
        self.vault = vault
        self.audit = audit
        self.location = location
        self.cache = cache
        self.companion = companion
        self.lock = lock
        self.clock = clock
        self.logger = logger
        let policies = CurrentPolicy(policy)
        self.policies = policies
        let breaches = BreachRecorder(vault: vault, audit: audit)
        self.breaches = breaches
        let denyList = DenyListGovernance(vault: vault, audit: audit, cache: cache, policies: policies, clock: clock)
        self.denyList = denyList
        let doorAlerts = DoorAlerts(vault: vault, audit: audit, denyList: denyList, policies: policies, clock: clock)
        self.doorAlerts = doorAlerts
        let visitLog = VisitLog(vault: vault, cache: cache, clock: clock)
        self.visitLog = visitLog
        let cards = MemberCards(vault: vault, audit: audit, clock: clock)
        self.cards = cards
        panelCredentials = PanelCredentials(vault: vault, audit: audit, clock: clock)
        accounts = ConsoleAccounts(vault: vault, audit: audit, clock: clock)
        exports = ConsentExports(
            vault: vault, audit: audit, policies: policies, clock: clock, denyList: denyList, doorAlerts: doorAlerts, visitLog: visitLog,
            cards: cards)
        retentionSweep = RetentionSweep(
            vault: vault, audit: audit, policies: policies, clock: clock, breaches: breaches, denyList: denyList, doorAlerts: doorAlerts)
    }

    /// Closes the database and releases the state directory.
    public func close() {
        try? vault.close()
        location.giveFilesToOwner()
        lock.release()
    }

    /// Decrypts every template into the gallery. A template that fails
    /// authentication stops the load (nothing is served from a damaged vault) and is
    /// recorded as a breach event, once, listing the affected pseudonyms.
    public func loadGallery() throws {
        do {
            try vault.loadGallery()
        } catch let error as VaultError where error.code == .integrityFailure {
            try? breaches.recordOnce(check: "templates", problem: error.message, affectedSubjects: error.affectedSubjects)
            throw error
        }
    }

    /// Erasures made by another process (found in the erasure journal) take effect
    /// here: the door calls this before each decision. Cheap when there are none.
    @discardableResult
    public func catchUpWithErasures() throws -> [SubjectID] {
        try vault.catchUpWithJournal()
    }

    public var policy: Policy { policies.policy }

    /// Replaces the policy (the caller validated it); audited.
    public func reload(policy: Policy, actor: OSUser) throws {
        policies.replace(with: policy)
        vault.setBackupRetention(seconds: policy.retention.backupDays * 86_400)
        try recordAudit(actor: actor, action: "policy.reload", details: ["source": .string(policy.sourcePath)])
        try denyList.auditPolicySwitch(actor: actor)
    }

    /// Appends one audit entry in a transaction of its own, for an action that
    /// changes nothing else (a command, a refusal, a listing of names).
    public func recordAudit(actor: OSUser, action: String, details: JSONObject) throws {
        _ = try vault.write { db in
            try self.audit.append(actor: actor.name, action: action, details: details, in: db)
        }
    }

    /// Records that `actor` found `subject` in a photo (an identify): the lookup is in
    /// the audit log under the subject, and in their access answer, by role.
    public func recordLookup(of subject: SubjectID, decision: String, actor: OSUser, details: JSONObject = [:]) throws {
        var details = details
        details["decision"] = .string(decision)
        _ = try vault.write { db in
            try self.audit.append(actor: actor.name, action: "identify.match", subject: subject, details: details, in: db)
        }
    }

    public var now: Double { clock.now() }

    // MARK: Enrolment

    /// Checks an enrolment request against the policy: a known notice, purposes it
    /// covers including the required one, an allowed method, a name.
    public func validate(_ request: EnrolmentRequest) throws -> Notice {
        let policy = self.policy
        guard !request.displayName.trimmingPrefix(while: \.isWhitespace).isEmpty else {
            throw ConsentError(.invalidArgument, "an enrolment needs a display name (--name)")
        }
        if let problem = DisplayText.problem(
            request.displayName, what: "the name", maximumCharacters: Policy.ConsentRules.maximumNameLength)
        {
            throw ConsentError(.invalidArgument, problem)
        }
        for (key, value) in request.fields.sorted(by: { $0.key < $1.key }) {
            guard policy.consent.memberFields.contains(key) else {
                let shown = DisplayText.problem(key, what: "", maximumCharacters: 40) == nil ? "'\(key)'" : "given"
                throw ConsentError(
                    .invalidArgument,
                    "the membership field \(shown) is not one the policy records; use one of: \(policy.consent.memberFields.joined(separator: ", ")) ([consent] member_fields)"
                )
            }
            if let problem = DisplayText.problem(
                value, what: "the field '\(key)'", maximumCharacters: Policy.ConsentRules.maximumFieldLength)
            {
                throw ConsentError(.invalidArgument, problem)
            }
        }
        guard let notice = policy.notice(version: request.noticeVersion) else {
            let known = policy.notices.map(\.version).joined(separator: ", ")
            throw ConsentError(
                .consentRequired, "no consent notice has version '\(request.noticeVersion)'; the person must consent to one of: \(known)")
        }
        guard !request.purposes.isEmpty else {
            throw ConsentError(.consentRequired, "no purpose was consented to; pass --purpose \(policy.consent.requiredPurpose) at least")
        }
        for purpose in request.purposes where !notice.purposes.contains(purpose) {
            throw ConsentError(
                .consentRequired,
                "notice \(notice.version) does not cover the purpose '\(purpose)'; it covers: \(notice.purposes.joined(separator: ", "))")
        }
        guard request.purposes.contains(policy.consent.requiredPurpose) else {
            throw ConsentError(
                .consentRequired,
                "recognition needs consent to the purpose '\(policy.consent.requiredPurpose)'; without it nothing is enrolled")
        }
        guard policy.consent.methods.contains(request.method) else {
            throw ConsentError(
                .consentRequired,
                "consent method '\(request.method)' is not one the policy accepts: \(policy.consent.methods.joined(separator: ", "))")
        }
        return notice
    }

    /// Creates the consent record and the subject's templates in one transaction, with
    /// an audit entry whose personal details (the name) are sealed with the subject's key.
    public func enrol(_ request: EnrolmentRequest, embeddings: [FaceDescriptor], by staff: OSUser) throws -> (
        EnrolledSubject, ConsentRecord
    ) {
        try enrol([(request, embeddings)], by: staff)[0]
    }

    /// Enrols several people in one transaction (an import), each with their consent
    /// record and audit entry, all or none.
    public func enrol(_ people: [(request: EnrolmentRequest, embeddings: [FaceDescriptor])], by staff: OSUser) throws -> [(
        EnrolledSubject, ConsentRecord
    )] {
        let notices = try people.map { try validate($0.request) }
        let cardDigests = try people.map { person in try person.request.card.map { try cards.digest(of: $0) } }
        let now = clock.now()
        let expiresAt = now + policy.retention.templateDays * 86_400
        var records: [ConsentRecord?] = Array(repeating: nil, count: people.count)
        let subjects = people.map { person in
            VaultStore.NewSubject(
                profile: SubjectProfile(displayName: person.request.displayName, fields: person.request.fields),
                embeddings: person.embeddings,
                expiresAt: expiresAt)
        }
        let enrolled = try vault.enrol(subjects) { db, enrolled, index in
            let (request, embeddings) = people[index]
            let notice = notices[index]
            let purposes = Array(Set(request.purposes)).sorted()
            let created = ConsentRecord(
                id: RandomToken.hex(16), subject: enrolled.id, noticeVersion: notice.version, noticeSHA256: notice.sha256,
                purposes: purposes, method: request.method, operatorName: staff.name, givenAt: now, expiresAt: expiresAt)
            try ConsentStore.insert(created, in: db)
            if let digest = cardDigests[index] {
                guard try CardStore.holder(of: digest, in: db) == nil else {
                    throw MemberCards.taken
                }
                try CardStore.set(digest, for: enrolled.id, at: now, in: db)
            }
            let personal = try self.vault.sealPersonal(
                Array(JSONValue.object(["display_name": .string(request.displayName)]).serialized.utf8),
                for: enrolled.id, purpose: "audit", in: db)
            var details: JSONObject = [
                "consent_record": .string(created.id), "notice_version": .string(notice.version),
                "purposes": .array(purposes.map(JSONValue.string)), "method": .string(request.method),
                "templates": .int(embeddings.count),
            ]
            if request.card != nil { details["card"] = true }
            // A door linked to an access panel makes the member's panel credential now,
            // so that it travels in the member's first copy to the fleet's other doors.
            if let osdp = self.policy.osdp {
                _ = try PanelCredentials.issue(
                    for: enrolled.id, format: osdp.format, facility: osdp.facility, at: now, in: db, vault: self.vault)
                details["panel_credential"] = .string(osdp.format.rawValue)
            }
            try self.audit.append(
                actor: staff.name, action: "subject.enrol", subject: enrolled.id, details: details, personal: personal, in: db)
            records[index] = created
        }
        let result = try zip(enrolled, records).map { subject, record in
            guard let record else { throw ConsentError(.conflict, "the enrolment committed without a consent record") }
            cache.setConsent(ActiveConsent(record: record), of: subject.id)
            return (subject, record)
        }
        logger.info(
            "enrolled",
            metadata: ["consent.subjects": "\(result.count)", "consent.templates": "\(enrolled.map(\.templates.count).reduce(0, +))"])
        return result
    }

    // MARK: Withdrawal and erasure

    /// The result of a withdrawal.
    public struct Withdrawal: Sendable, Equatable {
        public var subject: SubjectID
        public var withdrawnPurposes: [String]
        /// True when the subject's key and templates were destroyed.
        public var erased: Bool
        public var remainingPurposes: [String]
    }

    /// Withdraws consent, at once. Withdrawing every purpose, or the one recognition
    /// needs, destroys the subject's key and templates (crypto-shredding) before this
    /// returns; withdrawing another purpose replaces the record with a narrower one
    /// (and forgets the visits if that purpose was the analytics one). Both go
    /// through the erasure journal, so a restored backup loses them again.
    public func withdraw(_ subject: SubjectID, purposes requested: [String]? = nil, actor: OSUser) throws -> Withdrawal {
        let now = clock.now()
        guard let current = try vault.read({ db in try ConsentStore.active(of: subject, at: now, in: db) }) else {
            if try vault.exists(subject) {
                // No consent in force but templates remain: erase them now.
                try erase(subject, reason: .withdrawal, actor: actor)
                return Withdrawal(subject: subject, withdrawnPurposes: [], erased: true, remainingPurposes: [])
            }
            throw ConsentError(.notFound, "no consent in force for subject \(subject); list subjects with `facegate subjects`")
        }
        let withdrawn = requested.map { Set($0) } ?? Set(current.purposes)
        for purpose in withdrawn where !current.purposes.contains(purpose) {
            throw ConsentError(
                .invalidArgument,
                "subject \(subject) has not consented to '\(purpose)'; their purposes are: \(current.purposes.joined(separator: ", "))")
        }
        let remaining = current.purposes.filter { !withdrawn.contains($0) }
        if remaining.isEmpty || withdrawn.contains(policy.consent.requiredPurpose) {
            try vault.forget(
                ErasureJournal.Entry(
                    subject: subject, scope: .subject(reason: ErasureReason.withdrawal.rawValue), actor: actor.name, at: now))
            return Withdrawal(subject: subject, withdrawnPurposes: current.purposes, erased: true, remainingPurposes: [])
        }
        try vault.forget(ErasureJournal.Entry(subject: subject, scope: .purposes(withdrawn.sorted()), actor: actor.name, at: now))
        return Withdrawal(subject: subject, withdrawnPurposes: withdrawn.sorted(), erased: false, remainingPurposes: remaining)
    }

    /// Erases a subject for good (Art. 17): key, templates, profile, visits,
    /// incidents, deny-list entries and alerts, with an audit entry that holds no
    /// personal data; the consent records stay, marked erased, as the proof of
    /// consent the controller must keep. Also finishes the erasure of a subject
    /// whose vault rows are gone but whose other records are not.
    public func erase(_ subject: SubjectID, reason: ErasureReason, actor: OSUser) throws {
        try vault.forget(
            ErasureJournal.Entry(subject: subject, scope: .subject(reason: reason.rawValue), actor: actor.name, at: clock.now()))
    }

    // MARK: Reading

    public static let analyticsPurpose = "attendance-analytics"

    /// The consent in force for a subject, from memory (the door asks this per decision).
    public func activeConsent(of subject: SubjectID) -> ActiveConsent? {
        cache.consentInForce(of: subject, at: clock.now())
    }

    /// Whether a record of the subject's visits is kept: their consent in force includes
    /// attendance analytics. Nothing else may tie their pseudonym to a time at the door
    /// (the decision line on standard output, kept by the system journal, says
    /// `"subject":null` otherwise).
    public func keepsVisits(of subject: SubjectID) -> Bool {
        activeConsent(of: subject)?.purposes.contains(Self.analyticsPurpose) == true
    }

    public func consentRecords(of subject: SubjectID? = nil) throws -> [ConsentRecord] {
        try vault.read { db in try ConsentStore.records(of: subject, in: db) }
    }

    /// One line of `facegate subjects`.
    public struct SubjectListing: Sendable, Equatable {
        public var subject: SubjectID
        public var expiresAt: Double
        public var purposes: [String]
        public var templates: Int
    }

    public func subjects() throws -> [SubjectListing] {
        let consents = cache.allConsents
        return try vault.subjects().map { summary in
            let consent = consents[summary.id]
            return SubjectListing(
                subject: summary.id, expiresAt: min(summary.expiresAt, consent?.expiresAt ?? summary.expiresAt),
                purposes: consent.map { $0.purposes.sorted() } ?? [], templates: summary.templateCount)
        }
    }

    private func reloadConsents() throws {
        let now = clock.now()
        cache.replaceConsents(try vault.read { db in try ConsentStore.activeConsents(at: now, in: db) })
    }
}
