public import FacegateCore
import GRDB
import Synchronization
public import Vault

/// The deny-list, governed by people: off unless enabled with a DPIA reference, by
/// the policy or by distinct admins (`enable`, `DenyListActivation`); entries only for enrolled, consenting subjects; proposed by a rule
/// over recorded incidents or by an admin with a reason and evidence; in force only
/// after approvals from N distinct admins, none of whom proposed it; lapsing at its
/// review date unless renewed the same way; and a match only ever raises an alert
/// that a person confirms (`DoorAlerts`). Every step is audited with the OS user who
/// took it.
///
/// The rules of the approval process are `DenyListEntry`'s transitions; this keeps
/// them in one transaction with their audit entry, and keeps the door's cache of
/// entries in force (`ConsentCache`) in step with every change.
public final class DenyListGovernance: @unchecked Sendable {
    let vault: VaultStore
    let audit: AuditLog
    let cache: ConsentCache
    let policies: CurrentPolicy
    let clock: any WallClock
    /// The open activation by admins (proposed or active), as last read or written.
    private let activation = Mutex<DenyListActivation?>(nil)

    init(vault: VaultStore, audit: AuditLog, cache: ConsentCache, policies: CurrentPolicy, clock: any WallClock) {
        self.vault = vault
        self.audit = audit
        self.cache = cache
        self.policies = policies
        self.clock = clock
    }

    /// Whether the deny-list is in force: enabled by the policy with a DPIA reference,
    /// or by the admins' activation.
    public var isEnabled: Bool { policies.policy.denyList.isActive || activation.withLock { $0?.isActive ?? false } }

    /// The DPIA reference the deny-list is in force under; nil when it is off.
    public var dpiaReference: String? {
        let policy = policies.policy.denyList
        if policy.isActive { return policy.dpiaReference }
        return activation.withLock { $0?.isActive == true ? $0?.dpiaReference : nil }
    }

    /// The admins' open activation, pending or in force (nil when none is open): what
    /// the console shows beside `isEnabled`, so that the second admin sees what to join.
    public var openActivation: DenyListActivation? { activation.withLock { $0 } }

    /// Throws unless the deny-list is enabled and justified by a DPIA.
    public func requireEnabled() throws {
        guard !isEnabled else { return }
        let policy = policies.policy.denyList
        guard policy.enabled else {
            throw ConsentError(
                .denyListRefused,
                "the deny-list is disabled (the default); enabling it needs two admins (`facegate denylist enable --dpia REF --reason TEXT`, once each), or denylist.enabled = true and a denylist.dpia_reference in the policy"
            )
        }
        guard !policy.dpiaReference.isEmpty else {
            throw ConsentError(
                .denyListRefused,
                "the deny-list is enabled but the policy has no denylist.dpia_reference: a DPIA must justify it before any entry can be made"
            )
        }
    }

    // MARK: Incidents

    /// Records an incident and, when a policy rule is met (e.g. 2 incidents of
    /// violence within 180 days), proposes an entry. Returns both.
    /// The longest reason or note, in characters: a paragraph, not a file.
    public static let maximumTextLength = 1_000

    /// Refuses a reason, note or reference that is too long or holds a control or
    /// text-direction character (`DisplayText`): it is shown to other people, in pages,
    /// exports and a person's access answer.
    static func checkText(_ text: String?, what: String) throws(ConsentError) {
        guard let text, let problem = DisplayText.problem(text, what: what, maximumCharacters: maximumTextLength) else { return }
        throw ConsentError(.invalidArgument, problem)
    }

    public func addIncident(_ subject: SubjectID, category: String, note: String?, actor: OSUser) throws -> (Incident, DenyListEntry?) {
        try requireEnabled()
        try Self.checkText(note, what: "the note")
        let policy = policies.policy.denyList
        guard policy.categories.contains(category) else {
            throw ConsentError(
                .invalidArgument, "unknown incident category '\(category)'; the policy allows: \(policy.categories.joined(separator: ", "))"
            )
        }
        try requireEnrolled(subject)
        let now = clock.now()
        let incident = Incident(
            id: RandomToken.hex(8), subject: subject, category: category, note: note, recordedBy: actor.name, recordedAt: now)
        var proposed: DenyListEntry?
        try vault.write { db in
            try DenyListStore.insert(incident, vault: self.vault, in: db)
            // The category says what the person is accused of: sealed with their key
            // like the note, so that their erasure makes it unreadable.
            var sealed: JSONObject = ["category": .string(category)]
            if let note { sealed["note"] = .string(note) }
            try self.audit.append(
                actor: actor.name, action: "incident.add", subject: subject, details: ["incident": .string(incident.id)],
                personal: try self.vault.sealAuditText(sealed, subject: subject, in: db), in: db)
            for rule in policy.rules where rule.category == category {
                let since = now - rule.windowDays * 86_400
                let ids = try DenyListStore.incidentIDs(of: subject, category: category, since: since, in: db)
                guard ids.count >= rule.incidents, try DenyListStore.openEntryID(of: subject, in: db) == nil else { continue }
                proposed = try self.insertProposal(
                    subject: subject, reason: "\(ids.count) incidents of \(category) within \(Int(rule.windowDays)) days (policy rule)",
                    evidence: ids, proposedBy: "rule:\(category)", in: db)
            }
        }
        return (incident, proposed)
    }

    /// Incidents recorded against a subject.
    public func incidents(of subject: SubjectID) throws -> [Incident] {
        try vault.read { db in try DenyListStore.incidents(of: subject, vault: self.vault, in: db) }
    }

    // MARK: Entries

    /// An admin proposes an entry, with a reason and incidents as evidence.
    public func propose(_ subject: SubjectID, reason: String, evidence: [String], actor: OSUser) throws -> DenyListEntry {
        try requireEnabled()
        try Self.checkText(reason, what: "the reason")
        guard !reason.trimmingPrefix(while: \.isWhitespace).isEmpty else {
            throw ConsentError(.denyListRefused, "an entry needs a reason")
        }
        guard !evidence.isEmpty else {
            throw ConsentError(.denyListRefused, "an entry needs evidence: the ids of recorded incidents (facegate incident add)")
        }
        try requireEnrolled(subject)
        return try vault.write { db in
            let known = try DenyListStore.incidentIDs(of: subject, in: db)
            for id in evidence where !known.contains(id) {
                throw ConsentError(.denyListRefused, "evidence '\(id)' is not an incident recorded against subject \(subject)")
            }
            if let open = try DenyListStore.openEntryID(of: subject, in: db) {
                throw ConsentError(.conflict, "subject \(subject) already has entry \(open) (proposed or active)")
            }
            return try self.insertProposal(subject: subject, reason: reason, evidence: evidence, proposedBy: actor.name, in: db)
        }
    }

    /// An approval of the current round (`DenyListEntry.approving`). Enough approvals
    /// make the entry active (or renew it) until a new review date.
    public func approve(_ id: String, reason: String, actor: OSUser) throws -> DenyListEntry {
        try requireEnabled()
        try Self.checkText(reason, what: "the reason")
        guard !reason.trimmingPrefix(while: \.isWhitespace).isEmpty else {
            throw ConsentError(.denyListRefused, "an approval needs a reason")
        }
        let policy = policies.policy.denyList
        let now = clock.now()
        let entry = try vault.write { db -> DenyListEntry in
            let entry = try DenyListStore.entry(id, vault: self.vault, in: db)
            let transition = try entry.approving(
                by: actor.name, reason: reason, at: now, policy: policy,
                evidenceRecordedBy: try DenyListStore.recorders(of: entry.evidence, in: db))
            let approved = transition.entry
            var details: JSONObject = [
                "entry": .string(id), "round": .int(approved.round), "approvals": .int(approved.currentApprovals.count),
                "required": .int(policy.approvalsRequired),
            ]
            if transition.step == .activated, let review = approved.reviewAt {
                details["activated"] = true
                details["review_at"] = .string(Timestamp.iso8601(review))
            }
            return try self.record(transition, action: "denylist.approve", details: details, reason: reason, actor: actor, in: db)
        }
        refreshInForce(entry)
        return entry
    }

    /// A rejection by any approver closes the entry (a rejected renewal leaves it to
    /// lapse): `DenyListEntry.rejecting`.
    public func reject(_ id: String, reason: String, actor: OSUser) throws -> DenyListEntry {
        try requireEnabled()
        try Self.checkText(reason, what: "the reason")
        guard !reason.trimmingPrefix(while: \.isWhitespace).isEmpty else {
            throw ConsentError(.denyListRefused, "a rejection needs a reason")
        }
        let now = clock.now()
        let entry = try vault.write { db -> DenyListEntry in
            let entry = try DenyListStore.entry(id, vault: self.vault, in: db)
            // The round the rejection was given in (a refused renewal goes back a round).
            return try self.record(
                try entry.rejecting(by: actor.name, reason: reason, at: now), action: "denylist.reject",
                details: ["entry": .string(id), "round": .int(entry.round)], reason: reason, actor: actor, in: db)
        }
        refreshInForce(entry)
        return entry
    }

    /// Lifts an entry in force before its review date (`DenyListEntry.lifting`): one
    /// admin or the DPO, with a reason, audited as `denylist.lift`; the door stops
    /// raising alerts about the person at once.
    public func lift(_ id: String, reason: String, actor: OSUser) throws -> DenyListEntry {
        try Self.checkText(reason, what: "the reason")
        guard !reason.trimmingPrefix(while: \.isWhitespace).isEmpty else {
            throw ConsentError(.denyListRefused, "lifting an entry needs a reason: why it should end before its review date")
        }
        let now = clock.now()
        let entry = try vault.write { db -> DenyListEntry in
            let entry = try DenyListStore.entry(id, vault: self.vault, in: db)
            return try self.record(
                try entry.lifting(by: actor.name, at: now), action: "denylist.lift",
                details: ["entry": .string(id), "round": .int(entry.activatedRound)], reason: reason, actor: actor, in: db)
        }
        refreshInForce(entry)
        return entry
    }

    /// Starts a renewal round for an active entry (`DenyListEntry.renewing`): it needs
    /// the same approvals again before its review date, or it lapses.
    public func renew(_ id: String, reason: String, actor: OSUser) throws -> DenyListEntry {
        try requireEnabled()
        try Self.checkText(reason, what: "the reason")
        guard !reason.trimmingPrefix(while: \.isWhitespace).isEmpty else {
            throw ConsentError(.denyListRefused, "a renewal needs a reason: why the entry is still needed")
        }
        let now = clock.now()
        return try vault.write { db in
            let transition = try DenyListStore.entry(id, vault: self.vault, in: db).renewing(by: actor.name, at: now)
            return try self.record(
                transition, action: "denylist.renew", details: ["entry": .string(id), "round": .int(transition.entry.round)],
                reason: reason, actor: actor, in: db)
        }
    }

    /// Who recorded the incidents an entry rests on (they may not approve it).
    public func evidenceRecorders(of entry: DenyListEntry) throws -> [String] {
        try vault.read { db in try DenyListStore.recorders(of: entry.evidence, in: db) }.sorted()
    }

    /// What the DPO should ask about the people behind an entry: its proposer, the
    /// recorders of its evidence and its approvers (`TwoPersonReview`).
    public func review(of entry: DenyListEntry) throws -> [String] {
        try vault.read { db in
            let recorders = try DenyListStore.recorders(of: entry.evidence, in: db).sorted()
            let approvers = entry.approvals.filter { $0.decision == "approve" }.map(\.approver)
            return TwoPersonReview.findings(
                actors: [entry.proposedBy] + recorders + approvers, origins: try ConsoleAccountStore.origins(in: db))
        }
    }

    /// The same review of the admins who enabled the deny-list (or are enabling it).
    public func review(of activation: DenyListActivation) throws -> [String] {
        try vault.read { db in
            TwoPersonReview.findings(
                actors: [activation.proposedBy] + activation.approvals, origins: try ConsoleAccountStore.origins(in: db))
        }
    }

    /// Audits the policy file's own switch of the deny-list when it differs from what
    /// the audit log last recorded (at every open and policy reload): the deny-list
    /// enabled by `[denylist] enabled` is in the log with its DPIA reference and the
    /// policy file, as the admins' activation is.
    func auditPolicySwitch(actor: OSUser) throws {
        let policy = policies.policy
        let enabled = policy.denyList.isActive, reference = policy.denyList.dpiaReference
        try vault.write { db in
            let last = try AuditLog.latest(action: "denylist.policy", in: db)
            // Nothing to say about no change, nor about a deny-list the policy never enabled.
            let nothingNew =
                last.map { $0.details["enabled"] == .bool(enabled) && $0.details["dpia_reference"] == .string(reference) } ?? !enabled
            guard !nothingNew else { return }
            let details: JSONObject = [
                "enabled": .bool(enabled), "dpia_reference": .string(reference), "policy": .string(policy.sourcePath),
            ]
            try audit.append(actor: actor.name, action: "denylist.policy", details: details, in: db)
        }
    }

    /// Entries (all, or a subject's), with their reasons decrypted.
    public func entries(of subject: SubjectID? = nil) throws -> [DenyListEntry] {
        try vault.read { db in try DenyListStore.entries(of: subject, vault: self.vault, in: db) }
    }

    /// Whether `entry` is in force with its review date near now (`DenyListEntry.reviewNoticeDays`).
    public func isReviewNear(_ entry: DenyListEntry) -> Bool {
        entry.reviewIsNear(at: clock.now())
    }

    /// Marks entries whose review date passed as lapsed (audited). Run by the sweeper.
    public func lapseOverdue(actor: OSUser = .system) throws -> Int {
        let now = clock.now()
        let lapsed = try vault.write { db -> [(id: String, subject: SubjectID?)] in
            let due = try DenyListStore.entriesDueToLapse(at: now, in: db)
            for (id, subject) in due {
                try DenyListStore.markLapsed(id, at: now, in: db)
                try self.audit.append(
                    actor: actor.name, action: "denylist.lapse", subject: subject,
                    details: ["entry": .string(id), "reason": "review date passed without renewal"], in: db)
            }
            return due
        }
        for (_, subject) in lapsed { if let subject { cache.setDenyListEntry(nil, of: subject) } }
        return lapsed.count
    }

    // MARK: In force, for the door

    /// Whether the door should raise an alert for this subject now (in memory).
    public func isDenyListed(_ subject: SubjectID) -> Bool {
        entryInForce(of: subject) != nil
    }

    /// The subject's entry in force now, if the deny-list is active (in memory).
    func entryInForce(of subject: SubjectID) -> String? {
        guard isEnabled else { return nil }
        let now = clock.now()
        guard let inForce = cache.denyListEntry(of: subject), inForce.reviewAt > now else { return nil }
        return inForce.entry
    }

    /// Loads the entries in force into the door's cache, and the admins' activation (at open).
    func reloadInForce() throws {
        let now = clock.now()
        cache.replaceDenyList(try vault.read { db in try DenyListStore.entriesInForce(at: now, in: db) })
        let open = try vault.read { db in try DenyListActivationStore.open(in: db) }
        activation.withLock { $0 = open }
    }

    // MARK: Enabling by admins

    /// One admin's request to enable the deny-list under the DPIA `dpiaReference`: the
    /// first proposes, and once the policy's `approvals_required` distinct admins (the
    /// proposer among them) have asked with the same reference it is in force. Every
    /// step is audited with the reference and the reason. A blank reference or reason,
    /// the same admin twice, or another reference while one is pending are refused.
    public func enable(dpiaReference rawReference: String, reason rawReason: String, actor: OSUser) throws -> DenyListActivation {
        let reference = String(rawReference.trimmingWhiteSpace), reason = String(rawReason.trimmingWhiteSpace)
        try Self.checkText(reference, what: "the DPIA reference")
        try Self.checkText(reason, what: "the reason")
        guard !reference.isEmpty else {
            throw ConsentError(.denyListRefused, "enabling the deny-list needs the reference of the DPIA that justifies it (--dpia)")
        }
        guard !reason.isEmpty else { throw ConsentError(.denyListRefused, "enabling the deny-list needs a reason (--reason)") }
        let required = policies.policy.denyList.approvalsRequired
        let now = clock.now()
        let result = try vault.write { db -> DenyListActivation in
            var step = "proposed"
            var current: DenyListActivation
            if var open = try DenyListActivationStore.open(in: db) {
                guard !open.isActive else {
                    throw ConsentError(
                        .denyListRefused,
                        "the deny-list is already enabled (DPIA \(open.dpiaReference)); `facegate denylist disable` first to change its reference"
                    )
                }
                guard open.dpiaReference == reference else {
                    throw ConsentError(
                        .denyListRefused,
                        "enabling under DPIA \(open.dpiaReference) is pending; ask with the same --dpia, or `facegate denylist disable` it first"
                    )
                }
                guard open.proposedBy != actor.name, !open.approvals.contains(actor.name) else {
                    throw ConsentError(
                        .denyListRefused, "'\(actor.name)' has already asked to enable the deny-list: another admin must ask too")
                }
                open.approvals.append(actor.name)
                step = "approved"
                current = open
            } else {
                current = DenyListActivation(
                    id: RandomToken.hex(8), dpiaReference: reference, reason: reason, proposedBy: actor.name, proposedAt: now,
                    approvals: [])
            }
            if current.approvals.count + 1 >= required {
                current.activatedAt = now
                step = "enabled"
            }
            try DenyListActivationStore.save(current, in: db)
            try audit.append(
                actor: actor.name, action: "denylist.enable",
                details: [
                    "activation": .string(current.id), "dpia_reference": .string(reference), "reason": .string(reason),
                    "step": .string(step), "admins": .int(current.approvals.count + 1), "required": .int(required),
                ], in: db)
            return current
        }
        activation.withLock { $0 = result }
        return result
    }

    /// Switches the admins' activation off (pending or in force): one admin suffices,
    /// since turning the deny-list off only protects people. A deny-list enabled by the
    /// policy file is turned off there.
    public func disable(reason rawReason: String, actor: OSUser) throws -> DenyListActivation {
        let reason = String(rawReason.trimmingWhiteSpace)
        guard !reason.isEmpty else { throw ConsentError(.denyListRefused, "disabling the deny-list needs a reason (--reason)") }
        try Self.checkText(reason, what: "the reason")
        let result = try vault.write { db -> DenyListActivation in
            guard var open = try DenyListActivationStore.open(in: db) else {
                throw ConsentError(
                    .notFound,
                    policies.policy.denyList.isActive
                        ? "the deny-list is enabled by the policy file: set denylist.enabled = false there and reload it"
                        : "the deny-list is not enabled by the admins; nothing to disable")
            }
            open.closedAt = clock.now()
            try DenyListActivationStore.save(open, in: db)
            try audit.append(
                actor: actor.name, action: "denylist.disable",
                details: ["activation": .string(open.id), "dpia_reference": .string(open.dpiaReference), "reason": .string(reason)], in: db)
            return open
        }
        activation.withLock { $0 = nil }
        return result
    }

    // MARK: Helpers

    /// Writes one step of the approval process with its audit entry (the reason sealed
    /// with the subject's key, so an erasure makes it unreadable), in the caller's
    /// transaction; returns the entry as stored.
    private func record(
        _ transition: DenyListEntry.Transition, action: String, details: JSONObject, reason: String, actor: OSUser, in db: Database
    ) throws -> DenyListEntry {
        let entry = transition.entry
        try DenyListStore.apply(transition, vault: vault, in: db)
        try audit.append(
            actor: actor.name, action: action, subject: entry.subject, details: details,
            personal: try vault.sealAuditText(["reason": .string(reason)], subject: entry.subject, in: db), in: db)
        return try DenyListStore.entry(entry.id, vault: vault, in: db)
    }

    private func refreshInForce(_ entry: DenyListEntry) {
        if entry.state == .active, let review = entry.reviewAt {
            cache.setDenyListEntry((entry.id, review), of: entry.subject)
        } else if cache.denyListEntry(of: entry.subject)?.entry == entry.id {
            cache.setDenyListEntry(nil, of: entry.subject)
        }
    }

    private func requireEnrolled(_ subject: SubjectID) throws {
        guard try vault.exists(subject), cache.consentInForce(of: subject, at: clock.now()) != nil else {
            throw ConsentError(
                .denyListRefused, "only enrolled subjects with a consent in force can be on the deny-list; \(subject) is not one")
        }
    }

    private func insertProposal(
        subject: SubjectID, reason: String, evidence: [String], proposedBy: String, in db: Database
    ) throws -> DenyListEntry {
        let entry = DenyListEntry.proposing(
            id: RandomToken.hex(8), subject: subject, reason: reason, evidence: evidence, by: proposedBy, at: clock.now())
        try DenyListStore.insert(entry, vault: vault, in: db)
        // A rule's name says which category of incidents it counts: sealed with the
        // reason, like everything that says what the person did.
        let byRule = proposedBy.hasPrefix("rule:")
        try audit.append(
            actor: byRule ? OSUser.system.name : proposedBy, action: "denylist.propose", subject: subject,
            details: [
                "entry": .string(entry.id), "proposed_by": .string(byRule ? "rule" : proposedBy),
                "evidence": .array(evidence.map(JSONValue.string)),
            ],
            personal: try vault.sealAuditText(["reason": .string(reason), "proposed_by": .string(proposedBy)], subject: subject, in: db),
            in: db)
        return try DenyListStore.entry(entry.id, vault: vault, in: db)
    }
}
