public import FacegateCore
public import GRDB
public import Logging
import Synchronization
public import Vault

/// The consent side of the appliance: no template without a valid consent record,
/// withdrawal and erasure that take effect before they return, retention, visits,
/// and an audit entry for every one of these, in the same transaction as the change.
public final class ConsentRegistry: @unchecked Sendable {
    public let vault: VaultStore
    public let audit: AuditLog
    let clock: any WallClock
    let logger: Logger
    private let currentPolicy: Mutex<Policy>
    private let activeConsents: Mutex<[SubjectID: ActiveConsent]>
    /// Entries in force, by subject: (entry id, review date). What the door consults.
    let denyListInForce = Mutex<[SubjectID: (entry: String, reviewAt: Double)]>([:])

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
    }

    /// Opens the registry on the vault in `location`: loads the keys (refusing bad key
    /// files), opens the database (finishing interrupted erasures, auditing them) and
    /// loads the gallery unless told not to.
    public static func open(
        policy: Policy, location: VaultLocation, environment: [String: String], clock: any WallClock = SystemWallClock(),
        logger: Logger, loadGallery: Bool = true
    ) throws -> ConsentRegistry {
        let kek = try location.keys.loadKEK(environment: environment)
        let audit = AuditLog(signingKey: try location.keys.loadSigningKey(), clock: clock, checkpointEvery: policy.audit.checkpointEvery)
        let vault = try VaultStore.open(
            path: location.database, kek: kek, clock: clock, logger: logger, loadGallery: loadGallery,
            migrations: { ConsentMigrations.register(&$0) },
            onRecoveredErasure: { db, subject in
                try ConsentRegistry.deleteRecordsOnErasure(of: subject, at: clock.now(), in: db)
                try audit.append(actor: OSUser.system.name, action: "subject.erase.recovered", subject: subject, details: ["reason": "interrupted erasure finished at start"], in: db)
            })
        let registry = ConsentRegistry(vault: vault, audit: audit, policy: policy, clock: clock, logger: logger)
        try registry.reloadConsents()
        try registry.reloadDenyList()
        return registry
    }

    private init(vault: VaultStore, audit: AuditLog, policy: Policy, clock: any WallClock, logger: Logger) {
        self.vault = vault
        self.audit = audit
        self.clock = clock
        self.logger = logger
        currentPolicy = Mutex(policy)
        activeConsents = Mutex([:])
    }

    public var policy: Policy { currentPolicy.withLock { $0 } }

    /// Replaces the policy (the caller validated it); audited.
    public func reload(policy: Policy, actor: OSUser) throws {
        currentPolicy.withLock { $0 = policy }
        try recordAudit(actor: actor, action: "policy.reload", details: ["source": .string(policy.sourcePath)])
    }

    /// Appends one audit entry in a transaction of its own, for an action that
    /// changes nothing else (a command, a refusal, a listing of names).
    public func recordAudit(actor: OSUser, action: String, details: JSONObject) throws {
        _ = try vault.write { db in
            try self.audit.append(actor: actor.name, action: action, details: details, in: db)
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
        guard let notice = policy.notice(version: request.noticeVersion) else {
            let known = policy.notices.map(\.version).joined(separator: ", ")
            throw ConsentError(.consentRequired, "no consent notice has version '\(request.noticeVersion)'; the person must consent to one of: \(known)")
        }
        guard !request.purposes.isEmpty else {
            throw ConsentError(.consentRequired, "no purpose was consented to; pass --purpose \(policy.consent.requiredPurpose) at least")
        }
        for purpose in request.purposes where !notice.purposes.contains(purpose) {
            throw ConsentError(.consentRequired, "notice \(notice.version) does not cover the purpose '\(purpose)'; it covers: \(notice.purposes.joined(separator: ", "))")
        }
        guard request.purposes.contains(policy.consent.requiredPurpose) else {
            throw ConsentError(.consentRequired, "recognition needs consent to the purpose '\(policy.consent.requiredPurpose)'; without it nothing is enrolled")
        }
        guard policy.consent.methods.contains(request.method) else {
            throw ConsentError(.consentRequired, "consent method '\(request.method)' is not one the policy accepts: \(policy.consent.methods.joined(separator: ", "))")
        }
        return notice
    }

    /// Creates the consent record and the subject's templates in one transaction, with
    /// an audit entry whose personal details (the name) are sealed with the subject's key.
    public func enrol(_ request: EnrolmentRequest, embeddings: [FaceDescriptor], by staff: OSUser) throws -> (EnrolledSubject, ConsentRecord) {
        let notice = try validate(request)
        let now = clock.now()
        let expiresAt = now + policy.retention.templateDays * 86_400
        var record: ConsentRecord?
        let purposes = Array(Set(request.purposes)).sorted()
        let enrolled = try vault.enrol(
            profile: SubjectProfile(displayName: request.displayName, fields: request.fields),
            embeddings: embeddings, expiresAt: expiresAt
        ) { db, enrolled in
            let created = ConsentRecord(
                id: RandomToken.hex(16), subject: enrolled.id, noticeVersion: notice.version, noticeSHA256: notice.sha256,
                purposes: purposes, method: request.method, operatorName: staff.name, givenAt: now, expiresAt: expiresAt)
            try ConsentStore.insert(created, in: db)
            let personal = try self.vault.sealPersonal(
                Array(JSONValue.object(["display_name": .string(request.displayName)]).serialized.utf8),
                for: enrolled.id, purpose: "audit", in: db)
            try self.audit.append(
                actor: staff.name, action: "subject.enrol", subject: enrolled.id,
                details: [
                    "consent_record": .string(created.id), "notice_version": .string(notice.version),
                    "purposes": .array(purposes.map(JSONValue.string)), "method": .string(request.method),
                    "templates": .int(embeddings.count),
                ],
                personal: personal, in: db)
            record = created
        }
        guard let record else { throw ConsentError(.conflict, "the enrolment committed without a consent record") }
        activeConsents.withLock { $0[enrolled.id] = ActiveConsent(record: record.id, purposes: Set(purposes), expiresAt: expiresAt) }
        logger.info("subject enrolled", metadata: ["consent.templates": "\(embeddings.count)"])
        return (enrolled, record)
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
    /// (and forgets the visits if that purpose was the analytics one).
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
            throw ConsentError(.invalidArgument, "subject \(subject) has not consented to '\(purpose)'; their purposes are: \(current.purposes.joined(separator: ", "))")
        }
        let remaining = current.purposes.filter { !withdrawn.contains($0) }
        let required = policy.consent.requiredPurpose
        if remaining.isEmpty || withdrawn.contains(required) {
            try vault.erase(subject) { db in
                _ = try ConsentStore.markWithdrawn(subject, at: now, in: db)
                try ConsentRegistry.deleteRecordsOnErasure(of: subject, at: now, in: db)
                try self.audit.append(
                    actor: actor.name, action: "consent.withdraw", subject: subject,
                    details: ["purposes": .array(current.purposes.map(JSONValue.string)), "erased": true], in: db)
            }
            activeConsents.withLock { _ = $0.removeValue(forKey: subject) }
            return Withdrawal(subject: subject, withdrawnPurposes: current.purposes, erased: true, remainingPurposes: [])
        }
        var replacement = current
        replacement.id = RandomToken.hex(16)
        replacement.purposes = remaining
        replacement.givenAt = now
        replacement.operatorName = actor.name
        try vault.write { db in
            try ConsentStore.insert(replacement, in: db)
            try ConsentStore.supersede(current.id, by: replacement.id, in: db)
            if withdrawn.contains(Self.analyticsPurpose) {
                try db.execute(sql: "DELETE FROM access_event WHERE subject_id = ?", arguments: [subject.rawValue])
            }
            try self.audit.append(
                actor: actor.name, action: "consent.withdraw", subject: subject,
                details: [
                    "purposes": .array(withdrawn.sorted().map(JSONValue.string)), "erased": false,
                    "consent_record": .string(replacement.id),
                ],
                in: db)
        }
        activeConsents.withLock {
            $0[subject] = ActiveConsent(record: replacement.id, purposes: Set(remaining), expiresAt: replacement.expiresAt)
        }
        return Withdrawal(subject: subject, withdrawnPurposes: withdrawn.sorted(), erased: false, remainingPurposes: remaining)
    }

    /// Erases a subject for good (Art. 17): key, templates, profile and visits, with an
    /// audit entry that holds no personal data; the consent records stay, marked
    /// erased, as the proof of consent the controller must keep.
    public func erase(_ subject: SubjectID, reason: ErasureReason, actor: OSUser, inTransaction extra: ((Database) throws -> Void)? = nil) throws {
        let now = clock.now()
        try vault.erase(subject) { db in
            try ConsentRegistry.deleteRecordsOnErasure(of: subject, at: now, in: db)
            try extra?(db)
            try self.audit.append(actor: actor.name, action: "subject.erase", subject: subject, details: ["reason": .string(reason.rawValue)], in: db)
        }
        activeConsents.withLock { _ = $0.removeValue(forKey: subject) }
        denyListInForce.withLock { _ = $0.removeValue(forKey: subject) }
    }

    // MARK: Reading

    public static let analyticsPurpose = "attendance-analytics"

    /// The consent in force for a subject, from memory (the door asks this per decision).
    public func activeConsent(of subject: SubjectID) -> ActiveConsent? {
        let now = clock.now()
        return activeConsents.withLock { $0[subject] }.flatMap { $0.expiresAt > now ? $0 : nil }
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
        let consents = activeConsents.withLock { $0 }
        return try vault.subjects().map { summary in
            let consent = consents[summary.id]
            return SubjectListing(
                subject: summary.id, expiresAt: min(summary.expiresAt, consent?.expiresAt ?? summary.expiresAt),
                purposes: consent.map { $0.purposes.sorted() } ?? [], templates: summary.templateCount)
        }
    }

    /// What an erasure removes or marks besides the vault's rows, in the erasure's
    /// transaction: the consent records are kept as proof but marked erased; visits,
    /// incidents, deny-list entries and door alerts go.
    static func deleteRecordsOnErasure(of subject: SubjectID, at time: Double, in db: Database) throws {
        try ConsentStore.markErased(subject, at: time, in: db)
        try db.execute(sql: "DELETE FROM access_event WHERE subject_id = ?", arguments: [subject.rawValue])
        try deleteDenyListRows(of: subject, in: db)
    }

    /// Drops erased subjects from the in-memory consent map.
    func forget(_ subjects: [SubjectID]) {
        activeConsents.withLock { active in for subject in subjects { active.removeValue(forKey: subject) } }
        denyListInForce.withLock { entries in for subject in subjects { entries.removeValue(forKey: subject) } }
    }

    private func reloadConsents() throws {
        let now = clock.now()
        let records = try vault.read { db in try ConsentStore.records(in: db) }
        var active: [SubjectID: ActiveConsent] = [:]
        for record in records where record.isActive(at: now) {
            active[record.subject] = ActiveConsent(record: record.id, purposes: Set(record.purposes), expiresAt: record.expiresAt)
        }
        activeConsents.withLock { $0 = active }
    }
}
