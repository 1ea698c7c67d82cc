public import FacegateCore
import FoundationEssentials
import Synchronization
import GRDB
public import Vault

/// The deny-list, governed by people: off unless the policy enables it with a DPIA
/// reference; entries only for enrolled, consenting subjects; proposed by a rule
/// over recorded incidents or by an admin with a reason and evidence; in force only
/// after approvals from N distinct admins, none of whom proposed it; lapsing at its
/// review date unless renewed the same way; and a match only ever raises an alert
/// that a person confirms. Every step is audited with the OS user who took it.
extension ConsentRegistry {
    /// Throws unless the deny-list is enabled and justified by a DPIA.
    public func requireDenyList() throws {
        let policy = self.policy.denyList
        guard policy.enabled else {
            throw ConsentError(.denyListRefused, "the deny-list is disabled (the default); enabling it needs denylist.enabled = true and a denylist.dpia_reference in the policy")
        }
        guard !policy.dpiaReference.isEmpty else {
            throw ConsentError(.denyListRefused, "the deny-list is enabled but the policy has no denylist.dpia_reference: a DPIA must justify it before any entry can be made")
        }
    }

    // MARK: Incidents

    /// Records an incident and, when a policy rule is met (e.g. 2 incidents of
    /// violence within 180 days), proposes an entry. Returns both.
    public func addIncident(_ subject: SubjectID, category: String, note: String?, actor: OSUser) throws -> (Incident, DenyListEntry?) {
        try requireDenyList()
        let policy = self.policy.denyList
        guard policy.categories.contains(category) else {
            throw ConsentError(.invalidArgument, "unknown incident category '\(category)'; the policy allows: \(policy.categories.joined(separator: ", "))")
        }
        try requireEnrolled(subject)
        let now = clock.now()
        let incident = Incident(id: RandomToken.hex(8), subject: subject, category: category, note: note, recordedBy: actor.name, recordedAt: now)
        var proposed: DenyListEntry?
        try vault.write { db in
            let sealedNote = try note.map { try self.vault.sealPersonal(Array($0.utf8), for: subject, purpose: "incident", in: db) }
            try db.execute(
                sql: "INSERT INTO incident (id, subject_id, category, note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [incident.id, subject.rawValue, category, sealedNote.map { Data($0) }, actor.name, now])
            // The category says what the person is accused of: sealed with their key
            // like the note, so that their erasure makes it unreadable.
            var sealed: JSONObject = ["category": .string(category)]
            if let note { sealed["note"] = .string(note) }
            try self.audit.append(
                actor: actor.name, action: "incident.add", subject: subject, details: ["incident": .string(incident.id)],
                personal: try self.sealAuditText(sealed, subject: subject, in: db), in: db)
            for rule in policy.rules where rule.category == category {
                let since = now - rule.windowDays * 86_400
                let ids = try String.fetchAll(
                    db, sql: "SELECT id FROM incident WHERE subject_id = ? AND category = ? AND recorded_at >= ? ORDER BY recorded_at",
                    arguments: [subject.rawValue, category, since])
                guard ids.count >= rule.incidents, try self.openEntry(of: subject, in: db) == nil else { continue }
                proposed = try self.insertEntry(
                    subject: subject, reason: "\(ids.count) incidents of \(category) within \(Int(rule.windowDays)) days (policy rule)",
                    evidence: ids, proposedBy: "rule:\(category)", in: db)
            }
        }
        return (incident, proposed)
    }

    // MARK: Entries

    /// An admin proposes an entry, with a reason and incidents as evidence.
    public func proposeDenyListEntry(_ subject: SubjectID, reason: String, evidence: [String], actor: OSUser) throws -> DenyListEntry {
        try requireDenyList()
        guard !reason.trimmingPrefix(while: \.isWhitespace).isEmpty else {
            throw ConsentError(.denyListRefused, "an entry needs a reason")
        }
        guard !evidence.isEmpty else {
            throw ConsentError(.denyListRefused, "an entry needs evidence: the ids of recorded incidents (facegate incident add)")
        }
        try requireEnrolled(subject)
        return try vault.write { db in
            let known = Set(try String.fetchAll(db, sql: "SELECT id FROM incident WHERE subject_id = ?", arguments: [subject.rawValue]))
            for id in evidence where !known.contains(id) {
                throw ConsentError(.denyListRefused, "evidence '\(id)' is not an incident recorded against subject \(subject)")
            }
            if let open = try self.openEntry(of: subject, in: db) {
                throw ConsentError(.conflict, "subject \(subject) already has entry \(open) (proposed or active)")
            }
            return try self.insertEntry(subject: subject, reason: reason, evidence: evidence, proposedBy: actor.name, in: db)
        }
    }

    /// An approval of the current round. Refused from the round's proposer and from
    /// anyone who already approved this round. Enough approvals make the entry active
    /// (or renew it) until a new review date.
    public func approveDenyListEntry(_ id: String, reason: String, actor: OSUser) throws -> DenyListEntry {
        try requireDenyList()
        guard !reason.trimmingPrefix(while: \.isWhitespace).isEmpty else {
            throw ConsentError(.denyListRefused, "an approval needs a reason")
        }
        let policy = self.policy.denyList
        let now = clock.now()
        let entry = try vault.write { db -> DenyListEntry in
            let entry = try self.entry(id, in: db)
            guard entry.state == .proposed || entry.renewalPending else {
                throw ConsentError(.denyListRefused, "entry \(id) is \(entry.state.rawValue) with no approval pending")
            }
            guard actor.name != entry.roundProposedBy else {
                throw ConsentError(.denyListRefused, "'\(actor.name)' proposed this \(entry.round > 1 ? "renewal" : "entry") and cannot approve it: another admin must")
            }
            guard !entry.currentApprovals.contains(where: { $0.approver == actor.name }) else {
                throw ConsentError(.denyListRefused, "'\(actor.name)' already approved entry \(id); approvals must come from \(policy.approvalsRequired) distinct admins")
            }
            let sealed = try self.vault.sealPersonal(Array(reason.utf8), for: entry.subject, purpose: "denylist", in: db)
            try db.execute(
                sql: "INSERT INTO denylist_approval (entry_id, round, approver, decision, reason, at) VALUES (?, ?, ?, 'approve', ?, ?)",
                arguments: [id, entry.round, actor.name, Data(sealed), now])
            let approvals = entry.currentApprovals.count + 1
            var details: JSONObject = ["entry": .string(id), "round": .int(entry.round), "approvals": .int(approvals), "required": .int(policy.approvalsRequired)]
            if approvals >= policy.approvalsRequired {
                let review = now + policy.reviewDays * 86_400
                try db.execute(
                    sql: "UPDATE denylist_entry SET state = 'active', activated_round = round, activated_at = ?, review_at = ? WHERE id = ?",
                    arguments: [now, review, id])
                details["activated"] = true
                details["review_at"] = .string(Timestamp.iso8601(review))
            }
            try self.audit.append(
                actor: actor.name, action: "denylist.approve", subject: entry.subject, details: details,
                personal: try self.sealAuditText(["reason": .string(reason)], subject: entry.subject, in: db), in: db)
            return try self.entry(id, in: db)
        }
        refreshInForce(entry)
        return entry
    }

    /// A rejection by any approver closes the entry (a rejected renewal leaves it to lapse).
    public func rejectDenyListEntry(_ id: String, reason: String, actor: OSUser) throws -> DenyListEntry {
        try requireDenyList()
        guard !reason.trimmingPrefix(while: \.isWhitespace).isEmpty else {
            throw ConsentError(.denyListRefused, "a rejection needs a reason")
        }
        let now = clock.now()
        let entry = try vault.write { db -> DenyListEntry in
            let entry = try self.entry(id, in: db)
            guard entry.state == .proposed || entry.renewalPending else {
                throw ConsentError(.denyListRefused, "entry \(id) is \(entry.state.rawValue) with no approval pending")
            }
            let sealed = try self.vault.sealPersonal(Array(reason.utf8), for: entry.subject, purpose: "denylist", in: db)
            try db.execute(
                sql: "INSERT OR REPLACE INTO denylist_approval (entry_id, round, approver, decision, reason, at) VALUES (?, ?, ?, 'reject', ?, ?)",
                arguments: [id, entry.round, actor.name, Data(sealed), now])
            if entry.state == .proposed {
                try db.execute(sql: "UPDATE denylist_entry SET state = 'rejected', closed_at = ? WHERE id = ?", arguments: [now, id])
            } else {
                // The renewal is refused: the entry stays until its review date, then lapses.
                try db.execute(sql: "UPDATE denylist_entry SET round = activated_round WHERE id = ?", arguments: [id])
            }
            try self.audit.append(
                actor: actor.name, action: "denylist.reject", subject: entry.subject, details: ["entry": .string(id), "round": .int(entry.round)],
                personal: try self.sealAuditText(["reason": .string(reason)], subject: entry.subject, in: db), in: db)
            return try self.entry(id, in: db)
        }
        refreshInForce(entry)
        return entry
    }

    /// Starts a renewal round for an active entry: it needs the same approvals again
    /// before its review date, or it lapses.
    public func renewDenyListEntry(_ id: String, reason: String, actor: OSUser) throws -> DenyListEntry {
        try requireDenyList()
        let now = clock.now()
        return try vault.write { db in
            let entry = try self.entry(id, in: db)
            guard entry.isInForce(at: now), !entry.renewalPending else {
                throw ConsentError(.denyListRefused, "only an active entry without a pending renewal can be renewed (entry \(id) is \(entry.state.rawValue))")
            }
            try db.execute(sql: "UPDATE denylist_entry SET round = round + 1, round_proposed_by = ? WHERE id = ?", arguments: [actor.name, id])
            try self.audit.append(
                actor: actor.name, action: "denylist.renew", subject: entry.subject, details: ["entry": .string(id), "round": .int(entry.round + 1)],
                personal: try self.sealAuditText(["reason": .string(reason)], subject: entry.subject, in: db), in: db)
            return try self.entry(id, in: db)
        }
    }

    /// Entries (all, or a subject's), with their reasons decrypted.
    public func denyListEntries(of subject: SubjectID? = nil) throws -> [DenyListEntry] {
        try vault.read { db in
            let ids: [String]
            if let subject {
                ids = try String.fetchAll(db, sql: "SELECT id FROM denylist_entry WHERE subject_id = ? ORDER BY proposed_at", arguments: [subject.rawValue])
            } else {
                ids = try String.fetchAll(db, sql: "SELECT id FROM denylist_entry ORDER BY proposed_at")
            }
            return try ids.map { try self.entry($0, in: db) }
        }
    }

    /// Incidents recorded against a subject.
    public func incidents(of subject: SubjectID) throws -> [Incident] {
        try vault.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM incident WHERE subject_id = ? ORDER BY recorded_at", arguments: [subject.rawValue]).map { row in
                let sealed = (row["note"] as Data?).map { [UInt8]($0) }
                let note = try sealed.flatMap { try self.vault.openPersonal($0, for: subject, purpose: "incident", in: db) }.map { String(decoding: $0, as: UTF8.self) }
                return Incident(id: row["id"], subject: subject, category: row["category"], note: note, recordedBy: row["recorded_by"], recordedAt: row["recorded_at"])
            }
        }
    }

    /// Whether the door should raise an alert for this subject now (in memory).
    public func isDenyListed(_ subject: SubjectID) -> Bool {
        guard policy.denyList.isActive else { return false }
        let now = clock.now()
        return cache.denyListEntry(of: subject).map { $0.reviewAt > now } ?? false
    }

    /// Marks entries whose review date passed as lapsed (audited). Run by the sweeper.
    public func lapseDenyListEntries(actor: OSUser = .system) throws -> Int {
        let now = clock.now()
        let lapsed = try vault.write { db -> [(String, String)] in
            let rows = try Row.fetchAll(db, sql: "SELECT id, subject_id FROM denylist_entry WHERE state = 'active' AND review_at <= ?", arguments: [now])
            for row in rows {
                let id: String = row["id"]
                try db.execute(sql: "UPDATE denylist_entry SET state = 'lapsed', closed_at = ? WHERE id = ?", arguments: [now, id])
                try self.audit.append(
                    actor: actor.name, action: "denylist.lapse", subject: SubjectID(row["subject_id"] as String),
                    details: ["entry": .string(id), "reason": "review date passed without renewal"], in: db)
            }
            return rows.map { ($0["id"], $0["subject_id"]) }
        }
        if !lapsed.isEmpty {
            for (_, subject) in lapsed { if let id = SubjectID(subject) { cache.setDenyListEntry(nil, of: id) } }
        }
        return lapsed.count
    }

    // MARK: Alerts at the door

    /// Records an alert for a match on an entry in force; a person must confirm it.
    public func raiseAlert(for subject: SubjectID, actor: OSUser = .system) throws -> DoorAlert? {
        guard isDenyListed(subject), let entry = cache.denyListEntry(of: subject)?.entry else { return nil }
        let now = clock.now()
        let alert = DoorAlert(
            id: RandomToken.hex(8), subject: subject, entry: entry, raisedAt: now, expiresAt: now + policy.denyList.alertTimeoutSeconds,
            status: .open)
        try vault.write { db in
            try db.execute(
                sql: "INSERT INTO door_alert (id, subject_id, entry_id, raised_at, expires_at, status) VALUES (?, ?, ?, ?, ?, 'open')",
                arguments: [alert.id, subject.rawValue, entry, now, alert.expiresAt])
            try self.audit.append(
                actor: actor.name, action: "door.alert", subject: subject,
                details: ["alert": .string(alert.id), "entry": .string(entry), "expires_at": .string(Timestamp.iso8601(alert.expiresAt))], in: db)
        }
        return alert
    }

    /// A person's decision on an alert: `deny` or `admit`, with a reason. After the
    /// timeout the alert has expired and no action may be taken on it.
    public func confirmAlert(_ id: String, decision: String, reason: String, actor: OSUser) throws -> DoorAlert {
        guard decision == "deny" || decision == "admit" else {
            throw ConsentError(.invalidArgument, "a door decision is 'deny' or 'admit' (got '\(decision)')")
        }
        guard !reason.trimmingPrefix(while: \.isWhitespace).isEmpty else {
            throw ConsentError(.invalidArgument, "a door decision needs a reason")
        }
        _ = try expireAlerts()
        let now = clock.now()
        return try vault.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM door_alert WHERE id = ?", arguments: [id]) else {
                throw ConsentError(.notFound, "no alert \(id)")
            }
            let status: String = row["status"]
            guard status == "open" else {
                throw ConsentError(.conflict, "alert \(id) is \(status): \(status == "expired" ? "nobody confirmed it in time, so no action was taken; a new match raises a new alert" : "it was already decided")")
            }
            let subject = SubjectID(row["subject_id"] as String)!
            let sealed = try self.vault.sealPersonal(Array(reason.utf8), for: subject, purpose: "door", in: db)
            try db.execute(
                sql: "UPDATE door_alert SET status = 'confirmed', decision = ?, reason = ?, decided_by = ?, decided_at = ? WHERE id = ?",
                arguments: [decision, Data(sealed), actor.name, now, id])
            try self.audit.append(
                actor: actor.name, action: "door.confirm", subject: subject, details: ["alert": .string(id), "decision": .string(decision)],
                personal: try self.sealAuditText(["reason": .string(reason)], subject: subject, in: db), in: db)
            return try self.alert(id, in: db)
        }
    }

    /// Expires open alerts past their timeout: no confirmation means no action.
    @discardableResult
    public func expireAlerts() throws -> [String] {
        let now = clock.now()
        return try vault.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, subject_id FROM door_alert WHERE status = 'open' AND expires_at <= ?", arguments: [now])
            for row in rows {
                let id: String = row["id"]
                try db.execute(sql: "UPDATE door_alert SET status = 'expired' WHERE id = ?", arguments: [id])
                try self.audit.append(
                    actor: OSUser.system.name, action: "door.timeout", subject: SubjectID(row["subject_id"] as String),
                    details: ["alert": .string(id), "action": "none"], in: db)
            }
            return rows.map { $0["id"] }
        }
    }

    public func alerts(of subject: SubjectID? = nil) throws -> [DoorAlert] {
        try vault.read { db in
            let ids: [String] = subject == nil
                ? try String.fetchAll(db, sql: "SELECT id FROM door_alert ORDER BY raised_at")
                : try String.fetchAll(db, sql: "SELECT id FROM door_alert WHERE subject_id = ? ORDER BY raised_at", arguments: [subject!.rawValue])
            return try ids.map { try self.alert($0, in: db) }
        }
    }

    /// What the subject access export says about the deny-list.
    public func denyListStatus(of subject: SubjectID) throws -> JSONValue {
        let entries = try denyListEntries(of: subject)
        return [
            "in_force": .bool(isDenyListed(subject)),
            "entries": .array(entries.map(\.json)),
            "incidents": .array(try incidents(of: subject).map(\.json)),
            "alerts": .array(try alerts(of: subject).map(\.json)),
        ]
    }

    // MARK: Helpers

    func reloadDenyList() throws {
        let now = clock.now()
        let rows = try vault.read { db in
            try Row.fetchAll(db, sql: "SELECT id, subject_id, review_at FROM denylist_entry WHERE state = 'active' AND review_at > ?", arguments: [now])
        }
        var map: [SubjectID: (entry: String, reviewAt: Double)] = [:]
        for row in rows { if let subject = SubjectID(row["subject_id"] as String) { map[subject] = (row["id"], row["review_at"]) } }
        cache.replaceDenyList(map)
    }

    private func refreshInForce(_ entry: DenyListEntry) {
        if entry.state == .active, let review = entry.reviewAt {
            cache.setDenyListEntry((entry.id, review), of: entry.subject)
        } else if cache.denyListEntry(of: entry.subject)?.entry == entry.id {
            cache.setDenyListEntry(nil, of: entry.subject)
        }
    }

    private func requireEnrolled(_ subject: SubjectID) throws {
        guard try vault.exists(subject), activeConsent(of: subject) != nil else {
            throw ConsentError(.denyListRefused, "only enrolled subjects with a consent in force can be on the deny-list; \(subject) is not one")
        }
    }

    private func openEntry(of subject: SubjectID, in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT id FROM denylist_entry WHERE subject_id = ? AND state IN ('proposed', 'active')", arguments: [subject.rawValue])
    }

    private func insertEntry(subject: SubjectID, reason: String, evidence: [String], proposedBy: String, in db: Database) throws -> DenyListEntry {
        let id = RandomToken.hex(8)
        let now = clock.now()
        let sealed = try vault.sealPersonal(Array(reason.utf8), for: subject, purpose: "denylist", in: db)
        try db.execute(
            sql: """
                INSERT INTO denylist_entry (id, subject_id, state, reason, evidence, proposed_by, proposed_at, round, round_proposed_by)
                VALUES (?, ?, 'proposed', ?, ?, ?, ?, 1, ?)
                """,
            arguments: [id, subject.rawValue, Data(sealed), JSONValue.array(evidence.map(JSONValue.string)).serialized, proposedBy, now, proposedBy])
        // A rule's name says which category of incidents it counts: sealed with the
        // reason, like everything that says what the person did.
        let byRule = proposedBy.hasPrefix("rule:")
        try audit.append(
            actor: byRule ? OSUser.system.name : proposedBy, action: "denylist.propose", subject: subject,
            details: ["entry": .string(id), "proposed_by": .string(byRule ? "rule" : proposedBy), "evidence": .array(evidence.map(JSONValue.string))],
            personal: try sealAuditText(["reason": .string(reason), "proposed_by": .string(proposedBy)], subject: subject, in: db), in: db)
        return try entry(id, in: db)
    }

    private func entry(_ id: String, in db: Database) throws -> DenyListEntry {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM denylist_entry WHERE id = ?", arguments: [id]) else {
            throw ConsentError(.notFound, "no deny-list entry \(id); list them with `facegate denylist list`")
        }
        let subject = SubjectID(row["subject_id"] as String)!
        let reason = try (row["reason"] as Data?).flatMap { try vault.openPersonal([UInt8]($0), for: subject, purpose: "denylist", in: db) }
        let approvals = try Row.fetchAll(db, sql: "SELECT * FROM denylist_approval WHERE entry_id = ? ORDER BY at", arguments: [id]).map { approval in
            DenyListEntry.Approval(
                approver: approval["approver"], decision: approval["decision"],
                reason: try (approval["reason"] as Data?).flatMap { try vault.openPersonal([UInt8]($0), for: subject, purpose: "denylist", in: db) }
                    .map { String(decoding: $0, as: UTF8.self) },
                at: approval["at"], round: approval["round"])
        }
        let evidenceText: String = row["evidence"]
        let evidence = (try? JSONParser.parse(evidenceText))?.arrayValue?.compactMap(\.stringValue) ?? []
        return DenyListEntry(
            id: id, subject: subject, state: DenyListEntry.State(rawValue: row["state"]) ?? .proposed,
            reason: reason.map { String(decoding: $0, as: UTF8.self) }, evidence: evidence, proposedBy: row["proposed_by"],
            proposedAt: row["proposed_at"], round: row["round"], roundProposedBy: row["round_proposed_by"],
            activatedAt: row["activated_at"], reviewAt: row["review_at"], closedAt: row["closed_at"], approvals: approvals,
            activatedRound: row["activated_round"])
    }

    private func alert(_ id: String, in db: Database) throws -> DoorAlert {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM door_alert WHERE id = ?", arguments: [id]) else {
            throw ConsentError(.notFound, "no alert \(id)")
        }
        let subject = SubjectID(row["subject_id"] as String)!
        let reason = try (row["reason"] as Data?).flatMap { try vault.openPersonal([UInt8]($0), for: subject, purpose: "door", in: db) }
        return DoorAlert(
            id: id, subject: subject, entry: row["entry_id"], raisedAt: row["raised_at"], expiresAt: row["expires_at"],
            status: DoorAlert.Status(rawValue: row["status"]) ?? .open, decision: row["decision"],
            reason: reason.map { String(decoding: $0, as: UTF8.self) }, decidedBy: row["decided_by"], decidedAt: row["decided_at"])
    }

    /// Free text for the audit log, sealed with the subject's key.
    func sealAuditText(_ object: JSONObject, subject: SubjectID, in db: Database) throws -> [UInt8] {
        try vault.sealPersonal(Array(JSONValue.object(object).serialized.utf8), for: subject, purpose: "audit", in: db)
    }
}
