public import FacegateCore
import GRDB
import Logging
public import Vault

/// What the fleet's sync asks of a door's registry: copies of its subjects to seal for
/// the hub, copies from the hub to adopt, and the erasures its journal holds. Each
/// goes through the same enrolment and erasure paths as a local command.
extension ConsentRegistry {
    /// A copy of `subject` for the other doors, or nil when no consent is in force
    /// (nothing to share: it is being erased or has expired).
    public func fleetCopy(of subject: SubjectID) throws -> FleetCopy? {
        let now = clock.now()
        guard let consent = try vault.read({ db in try ConsentStore.active(of: subject, at: now, in: db) }) else { return nil }
        return FleetCopy(
            subject: subject, profile: try vault.profile(of: subject), descriptors: try vault.descriptors(of: subject), consent: consent,
            panelCredential: try panelCredentials.existing(of: subject))
    }

    /// The members whose copy changed here after audit entry `seq` (given photos,
    /// `subject.add_photos`, or a panel credential, `panel_credential.issue`), and the
    /// last such entry: the fleet gives their copies to the hub again.
    public func copiesChanged(after seq: Int) throws -> (through: Int, subjects: [SubjectID]) {
        let rows = try vault.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, subject_id FROM audit_entry
                    WHERE action IN ('subject.add_photos', 'panel_credential.issue') AND seq > ? ORDER BY seq
                    """,
                arguments: [seq])
        }
        let subjects = rows.compactMap { row -> SubjectID? in (row["subject_id"] as String?).flatMap(SubjectID.init) }
        return (rows.last?["seq"] ?? seq, Array(Set(subjects)).sorted())
    }

    /// Adds to a member this door holds the templates a newer copy from another door
    /// carries and this door lacks (photos added there), under the consent in force,
    /// audited (`subject.adopt_photos`, actor `fleet`, with the origin door). Returns how
    /// many were added.
    @discardableResult
    public func adoptAddedTemplates(_ copy: FleetCopy, fromDoor door: String) throws -> Int {
        guard copy.consent.subject == copy.subject, copy.consent.isActive(at: clock.now()), try vault.exists(copy.subject),
            let consent = activeConsent(of: copy.subject)
        else { return 0 }
        let held = try vault.descriptors(of: copy.subject)
        defer { held.forEach { $0.wipe() } }
        // Compared in place: an exact copy of a template is at distance 0.
        let new = copy.descriptors.filter { descriptor in !held.contains { $0.distance(to: descriptor) == 0 } }
        guard !new.isEmpty else { return 0 }
        _ = try vault.addTemplates(new, to: copy.subject) { db in
            try self.audit.append(
                actor: "fleet", action: "subject.adopt_photos", subject: copy.subject,
                details: ["templates": .int(new.count), "consent_record": .string(consent.record), "origin_door": .string(door)], in: db)
        }
        return new.count
    }

    /// Stores a subject enrolled at another door, under the same pseudonym and consent
    /// record, with an audit entry naming the door. Returns false, storing nothing,
    /// when this door already holds the subject or has erased it (its journal wins:
    /// an erasure is never undone by a copy arriving late), or the consent has ended.
    @discardableResult
    public func adopt(_ copy: FleetCopy, fromDoor door: String) throws -> Bool {
        try adopt([(copy, door)]) == 1
    }

    /// Stores copies from other doors in one transaction (a door joining a fleet of
    /// thousands adopts them a page at a time, one fsync each), skipping those
    /// `adopt(_:fromDoor:)` would. Returns how many were stored.
    ///
    /// One `subject.adopt` audit entry covers the transaction, listing each copy (its
    /// pseudonym, consent record, origin door and template count); a single copy's
    /// entry also carries the subject in its subject field. An entry per copy made every
    /// door's chain, and its replica on the hub, grow by the whole membership at
    /// each join (20 doors of 100,000 subjects: 2.1 million entries, 1.3 GB on the hub).
    @discardableResult
    public func adopt(_ copies: [(copy: FleetCopy, door: String)]) throws -> Int {
        let now = clock.now()
        let erased = try vault.erasedSubjects()
        var seen = Set<SubjectID>()
        var fresh: [(copy: FleetCopy, door: String)] = []
        for (copy, door) in copies
        where copy.consent.subject == copy.subject && copy.consent.isActive(at: now) && !copy.descriptors.isEmpty
            && !erased.contains(copy.subject) && seen.insert(copy.subject).inserted
        {
            if try !vault.exists(copy.subject) { fresh.append((copy, door)) }
        }
        guard !fresh.isEmpty else { return 0 }
        let subjects = fresh.map { copy, _ in
            VaultStore.NewSubject(profile: copy.profile, embeddings: copy.descriptors, expiresAt: copy.consent.expiresAt, id: copy.subject)
        }
        var credentialsTaken: [SubjectID] = []
        _ = try vault.enrol(subjects) { db, _, index in
            try ConsentStore.insert(fresh[index].copy.consent, in: db)
            let panel = self.policy.osdp
            if let credential = fresh[index].copy.panelCredential,
                panel.map({ $0.format == credential.format && $0.facility == credential.facility }) ?? true,
                try !PanelCredentials.store(credential, for: fresh[index].copy.subject, at: now, in: db, vault: self.vault)
            {
                credentialsTaken.append(fresh[index].copy.subject)
            }
            guard index == fresh.count - 1 else { return }
            let copies = fresh.map { copy, door -> JSONValue in
                [
                    "subject": .string(copy.subject.rawValue), "consent_record": .string(copy.consent.id), "origin_door": .string(door),
                    "templates": .int(copy.descriptors.count),
                ]
            }
            try self.audit.append(
                actor: "fleet", action: "subject.adopt", subject: fresh.count == 1 ? fresh[0].copy.subject : nil,
                details: ["copies": .array(copies)], in: db)
        }
        for (copy, _) in fresh { cache.setConsent(ActiveConsent(record: copy.consent), of: copy.subject) }
        for subject in credentialsTaken {
            logger.error(
                "fleet: another member here holds the panel credential a door gave this member; it is not sent for them",
                metadata: ["fleet.subject": "\(subject)"])
        }
        return fresh.count
    }

    /// Every subject this door's erasure journal erased: the erasures it owes the hub.
    public func journaledErasures() throws -> [(subject: SubjectID, reason: String, at: Double)] {
        try vault.journaledErasures()
    }

    /// Every purpose this door's journal withdrew from a subject it kept: the partial
    /// withdrawals it owes the hub.
    public func journaledWithdrawals() throws -> [(subject: SubjectID, purpose: String, at: Double)] {
        try vault.journaledWithdrawals()
    }

    /// Withdraws `purpose` from `subject` as another door did, when the consent in force
    /// here still holds it: the same path as a local withdrawal (audited, journaled, an
    /// erasure when no purpose would remain). Returns whether anything changed.
    @discardableResult
    public func applyFleetWithdrawal(of purpose: String, from subject: SubjectID, actor: OSUser) throws -> Bool {
        guard activeConsent(of: subject)?.purposes.contains(purpose) == true else { return false }
        _ = try withdraw(subject, purposes: [purpose], actor: actor)
        return true
    }

    /// Records a row of the fleet's hub that this door refused (not signed, altered,
    /// signed by another door than it names, or a genuine row given again) as a breach
    /// event naming the pseudonym it was about: someone wrote to the hub who should not.
    public func recordFleetBreach(problem: String, subject: String) throws {
        try breaches.recordOnce(check: "fleet_row", problem: problem, affectedSubjects: [subject])
    }

    /// The pseudonyms this door holds templates for.
    public func heldSubjects() throws -> [SubjectID] {
        try vault.subjects().map(\.id)
    }
}
