public import FacegateCore
import GRDB
public import Vault

/// What the DPO is given: the consent log (Art. 7(1) proof), the audit log, the
/// record of processing (Art. 30) and a subject's access response (Art. 15). Every
/// export is audited, and the signed ones carry a checkpoint covering their own
/// audit entry.
public final class ConsentExports: @unchecked Sendable {
    let vault: VaultStore
    let audit: AuditLog
    let policies: CurrentPolicy
    let clock: any WallClock
    let denyList: DenyListGovernance
    let doorAlerts: DoorAlerts
    let visitLog: VisitLog
    let cards: MemberCards

    init(
        vault: VaultStore, audit: AuditLog, policies: CurrentPolicy, clock: any WallClock, denyList: DenyListGovernance,
        doorAlerts: DoorAlerts, visitLog: VisitLog, cards: MemberCards
    ) {
        self.vault = vault
        self.audit = audit
        self.policies = policies
        self.clock = clock
        self.denyList = denyList
        self.doorAlerts = doorAlerts
        self.visitLog = visitLog
        self.cards = cards
    }

    /// A fraction as a whole percentage, rounded (0.29 is 29 %, not 28).
    static func percent(_ fraction: Double) -> Int { Int((fraction * 100).rounded()) }

    /// Which trigger is in force and what it means: the same words in the record of
    /// processing and in every access answer.
    static func trigger(_ recognition: Policy.Recognition) -> JSONValue {
        var object: JSONObject = [
            "trigger": .string(recognition.trigger.rawValue), "meaning": .string(recognition.trigger.meaning),
            "card_alternative":
                "A member who does not want face recognition gets in with a card alone: their face is not measured or compared (the camera only detects that a person is there, as it does for everyone in the picture) and nothing about it is stored.",
        ]
        switch recognition.trigger {
        case .zone:
            let zone = recognition.zone
            object["zone"] = .string(
                "from \(Self.percent(zone.x0))% to \(Self.percent(zone.x1))% of the picture's width and \(Self.percent(zone.y0))% to \(Self.percent(zone.y1))% of its height; faces at least \(Self.percent(recognition.zoneMinFaceFraction))% of the picture's width, still for \(recognition.zoneDwellFrames) frames"
            )
        case .claim:
            object["claim_window"] = .string("a card's claim waits \(Int(recognition.claimSeconds)) seconds for a face")
        case .always:
            object["dpia_reference"] = .string(recognition.dpiaReference)
            object["processing"] =
                "1:N identification of every face above the minimum size: a processing different from the opt-in triggers"
        }
        return .object(object)
    }

    var policy: Policy { policies.policy }

    func header(_ format: String, actor: OSUser, time: String? = nil) -> JSONValue {
        [
            "type": "header", "format": .string(format), "version": 1, "exported_at": .string(time ?? Timestamp.iso8601(clock.now())),
            "exported_by": .string(actor.name), "controller": .string(policy.controller.name),
            "public_key": .string(Hex.encode(audit.publicKey)),
        ]
    }

    /// Audits an export and signs a checkpoint that covers the export's own entry.
    func auditExport(_ action: String, actor: OSUser, subject: SubjectID? = nil, details: JSONObject = [:]) throws
        -> AuditCheckpoint?
    {
        try vault.write { db in
            try self.audit.append(actor: actor.name, action: action, subject: subject, details: details, in: db)
            return try self.audit.checkpoint(in: db)
        }
    }

    /// Audits an export the caller could not deliver: refused before it was made
    /// (the output file exists) or made but not written (a full disk). `kind` is the
    /// export's command name (`export.audit`, ...).
    public func recordUndelivered(_ kind: String, outcome: String, reason: String, actor: OSUser) throws {
        guard kind.hasPrefix("export."), ["refused", "write_failed"].contains(outcome) else {
            throw ConsentError(.invalidArgument, "not an export ('\(kind)') or an unknown outcome ('\(outcome)')")
        }
        let details: JSONObject = ["outcome": .string(outcome), "reason": .string(String(reason.prefix(200)))]
        _ = try vault.write { db in try self.audit.append(actor: actor.name, action: kind, details: details, in: db) }
    }

    /// Every consent record (GDPR Art. 7(1) proof), as JSON Lines signed at the end, or CSV.
    public func consentLog(format: ExportDocument.Format, actor: OSUser) throws -> ExportDocument {
        let checkpoint = try auditExport("export.consent_log", actor: actor, details: ["format": .string(format.rawValue)])
        let records = try vault.read { db in try ConsentStore.records(in: db) }
        switch format {
        case .csv:
            let lines = [CSV.line(ConsentRecord.csvHeader)] + records.map { CSV.line($0.csvRow) }
            return ExportDocument(format: .csv, text: lines.joined(separator: "\n") + "\n")
        case .jsonl, .json:
            var lines = [header("facegate-consent-log", actor: actor).serialized]
            for record in records {
                var object = record.json.objectValue ?? [:]
                object.entries.insert(.init(key: "type", value: "consent_record"), at: 0)
                lines.append(JSONValue.object(object).serialized)
            }
            lines.append(ExportSignature.trailer(for: lines, checkpoint: checkpoint, signingKey: audit.sign, publicKey: audit.publicKey))
            return ExportDocument(format: .jsonl, text: lines.joined(separator: "\n") + "\n")
        case .markdown, .html:
            throw ConsentError(.invalidArgument, "the consent log exports as jsonl or csv")
        }
    }

    /// The audit log with its signed checkpoints and the public key, ending with a
    /// checkpoint made now, for `facegate audit verify`.
    public func auditLog(format: ExportDocument.Format, actor: OSUser) throws -> ExportDocument {
        _ = try auditExport("export.audit", actor: actor, details: ["format": .string(format.rawValue)])
        let (entries, checkpoints) = try vault.read { db in (try AuditLog.entries(in: db), try AuditLog.checkpoints(in: db)) }
        switch format {
        case .csv:
            var lines = [
                CSV.line([
                    "seq", "time", "actor", "action", "subject", "details", "personal_sealed", "prev_hash", "hash", "checkpoint_signature",
                ])
            ]
            let signatures = Dictionary(checkpoints.map { ($0.seq, Hex.encode($0.signature)) }, uniquingKeysWith: { a, _ in a })
            for entry in entries {
                lines.append(
                    CSV.line([
                        String(entry.seq), entry.time, entry.actor, entry.action, entry.subject ?? "",
                        JSONValue.object(entry.details).serialized,
                        entry.personal.map(Hex.encode) ?? "", Hex.encode(entry.previousHash), Hex.encode(entry.hash),
                        signatures[entry.seq] ?? "",
                    ]))
            }
            return ExportDocument(format: .csv, text: lines.joined(separator: "\n") + "\n")
        case .jsonl, .json:
            let time = Timestamp.iso8601(clock.now())
            var lines = [header("facegate-audit-export", actor: actor, time: time).serialized]
            var pending = checkpoints[...]
            for entry in entries {
                lines.append(entry.json.serialized)
                while let next = pending.first, next.seq == entry.seq {
                    lines.append(next.json.serialized)
                    pending = pending.dropFirst()
                }
            }
            let seal = AuditSeal.make(
                lines: lines, lastSeq: entries.last?.seq ?? 0, headHash: entries.last?.hash ?? AuditEntry.genesisHash, time: time,
                sign: audit.sign)
            lines.append(seal.json.serialized)
            return ExportDocument(format: .jsonl, text: lines.joined(separator: "\n") + "\n")
        case .markdown, .html:
            throw ConsentError(.invalidArgument, "the audit log exports as jsonl or csv")
        }
    }

    /// The Art. 30 record of processing, filled from the policy: (a) controller and
    /// DPO, (b) purposes, (c) categories of subjects and data, (d) recipients, (e)
    /// transfers, (f) erasure time limits, (g) security measures.
    ///
    /// A record naming an empty or shipped placeholder field (`Policy.placeholderMarkers`)
    /// is no one's record of processing: it is refused, naming every such field,
    /// unless `draft`, which marks the document as a draft (JSON `"draft": true` and
    /// `unfilled_fields`; Markdown a first line saying so). The refusal happens before
    /// anything is disclosed; the dispatcher audits it as a refused command.
    /// `recipients` adds to the policy's list what the device knows itself (a fleet's hub).
    public func recordOfProcessing(
        format: ExportDocument.Format, draft: Bool = false, recipients extra: [String] = [], actor: OSUser
    ) throws -> ExportDocument {
        let policy = self.policy
        let unfilled = policy.unfilledRecordOfProcessingFields
        guard draft || unfilled.isEmpty else {
            throw ConsentError(
                .recordOfProcessingIncomplete,
                "the record of processing is not filled in: \(unfilled.joined(separator: ", ")) \(unfilled.count == 1 ? "is" : "are") empty or still the shipped example; fill \(unfilled.count == 1 ? "it" : "them") in \(policy.sourcePath.isEmpty ? "/etc/facegate/policy.toml" : policy.sourcePath) (and run `facegate policy reload` if the daemon runs), or pass --draft to export a draft; nothing was exported"
            )
        }
        _ = try auditExport("export.ropa", actor: actor, details: draft ? ["draft": true] : [:])
        var record: JSONObject = [
            "type": "record_of_processing", "article": "GDPR Art. 30(1)", "generated_at": .string(Timestamp.iso8601(clock.now())),
            "draft": .bool(draft),
            "a_controller": [
                "name": .string(policy.controller.name), "address": .string(policy.controller.address),
                "contact": .string(policy.controller.contact), "dpo_contact": .string(policy.controller.dpoContact),
            ],
            "b_purposes": .array(
                policy.purposes.map {
                    ["id": .string($0.id), "description": .string($0.description), "legal_basis": .string($0.legalBasis)]
                }),
            "c_categories": [
                "data_subjects": .array(policy.recordOfProcessing.dataSubjectCategories.map(JSONValue.string)),
                "personal_data": .array(policy.recordOfProcessing.personalDataCategories.map(JSONValue.string)),
            ],
            "d_recipients": .array((policy.recordOfProcessing.recipients + extra).map(JSONValue.string)),
            "e_transfers": .string(policy.recordOfProcessing.transfers),
            "f_erasure_time_limits": [
                "face_templates": .string(
                    "at most \(Self.days(policy.retention.templateDays)) after consent, and at once on withdrawal or erasure"),
                "access_events": .string("\(Self.days(policy.retention.accessEventDays)) rolling"),
                "unknown_faces": "never stored: only daily counts of decisions",
                "images": "never stored, not even temporarily",
                "backups": .string(Self.backupStatement(days: policy.retention.backupDays)),
            ],
            "g_security_measures": .array(policy.recordOfProcessing.securityMeasures.map(JSONValue.string)),
            "notices": .array(
                policy.notices.map {
                    ["version": .string($0.version), "sha256": .string($0.sha256), "purposes": .array($0.purposes.map(JSONValue.string))]
                }),
            "recognition_trigger": Self.trigger(policy.recognition),
            "deny_list": [
                "enabled": .bool(denyList.isEnabled),
                "dpia_reference": .string(denyList.dpiaReference),
                "approvals_required": .int(policy.denyList.approvalsRequired), "review_days": .double(policy.denyList.reviewDays),
            ],
            "further_processing": furtherProcessing(fleetHub: extra),
        ]
        if draft {
            // Beside the draft flag, where a reader sees it first.
            var marked = JSONObject()
            for entry in record.entries {
                marked[entry.key] = entry.value
                if entry.key == "draft" { marked["unfilled_fields"] = .array(unfilled.map(JSONValue.string)) }
            }
            record = marked
        }
        switch format {
        case .json, .jsonl:
            return ExportDocument(format: .json, text: JSONValue.object(record).serialized + "\n")
        case .markdown, .html:
            let banner =
                draft
                ? "DRAFT — not a record of processing until "
                    + (unfilled.isEmpty
                        ? "it is exported without --draft"
                        : "these fields are filled in the policy: \(unfilled.joined(separator: ", "))") + "\n\n"
                : ""
            return .written(banner + Self.markdown(.object(record)), title: "Record of processing activities", as: format)
        case .csv:
            throw ConsentError(.invalidArgument, "the record of processing exports as json, md or html")
        }
    }

    /// What the subject access export says about the deny-list.
    public func denyListStatus(of subject: SubjectID) throws -> JSONValue {
        let entries = try denyList.entries(of: subject)
        return [
            "in_force": .bool(denyList.isDenyListed(subject)),
            "entries": .array(entries.map(\.json)),
            "incidents": .array(try denyList.incidents(of: subject).map(\.json)),
            "alerts": .array(try doorAlerts.alerts(of: subject).map(\.json)),
        ]
    }

    /// The keys of the deny-list's JSON that name a member of staff.
    static let staffKeys: Set<String> = ["proposed_by", "round_proposed_by", "approver", "recorded_by", "decided_by"]

    /// `value` with every member of staff it names (`staffKeys`) replaced by their role:
    /// a person's access answer tells them what was done and why, not who at the venue
    /// did it.
    func namingStaffByRole(_ value: JSONValue) throws -> JSONValue {
        let roles = try vault.read { db in try ConsoleAccountStore.roles(in: db) }
        func walk(_ value: JSONValue) -> JSONValue {
            switch value {
            case .object(let object):
                return .object(
                    JSONObject(
                        object.entries.map { entry in
                            guard Self.staffKeys.contains(entry.key), let actor = entry.value.stringValue else {
                                return (entry.key, walk(entry.value))
                            }
                            return (entry.key, .string(Self.staffRole(actor, roles: roles)))
                        }))
            case .array(let values): return .array(values.map(walk))
            default: return value
            }
        }
        return walk(value)
    }

    /// How an access answer names the actor of an audit entry or a record: by role.
    static func staffRole(_ actor: String, roles: [String: String]) -> String {
        guard actor.hasPrefix("console:") else {
            return actor == OSUser.system.name ? "the device itself" : "an administrator on the device"
        }
        switch roles[String(actor.dropFirst("console:".count))] {
        case "staff": return "a member of the venue's door staff"
        case "admin": return "a venue administrator"
        case "dpo": return "the data protection officer"
        default: return "a member of the venue's staff (account since removed)"
        }
    }

    /// Who looked the subject up in a photo (the console's or the device's identify),
    /// by role and time: a lookup is a processing of their data they may learn of.
    func lookups(of subject: SubjectID) throws -> [JSONValue] {
        try vault.read { db in
            let roles = try ConsoleAccountStore.roles(in: db)
            return try AuditLog.entries(in: db, subject: subject).filter { $0.action == "identify.match" }.map { entry in
                [
                    "at": .string(entry.time), "by": .string(Self.staffRole(entry.actor, roles: roles)),
                    "decision": entry.details["decision"] ?? .null,
                ]
            }
        }
    }

    /// What holds for backups, exactly, in every document that mentions them (the record
    /// of processing, the impact assessment, the access answer). An audit found the old
    /// sentence ("backups taken before it can no longer be read") true of `facegate
    /// backup` files only: a copy of the state directory with its key directory still
    /// identified an erased person a day after the limit; the hub's copies now have key
    /// epochs of their own (`FleetEpochs`), except in a fleet made before them.
    static func backupStatement(days: Double) -> String {
        "Backups made with `facegate backup` (ciphertext, without the keys): a restore re-applies every erasure made since the backup, and \(Self.days(days)) after an erasure no such backup taken before it can be read, since the key epochs it needs are destroyed. This does not reach a copy of the whole state directory that includes its key directory (the keys themselves): such copies must not be made. In a fleet, the hub's copies have key epochs too: an erasure anywhere begins a new one, and \(Self.days(days)) after the erasure every door has destroyed the older epochs' keys, so a copy of the hub's database taken before the erasure can no longer be read by any door (a door that was offline destroys them when it next reaches the hub). A fleet created before version 4 of the hub's tables computes its first epoch from the fleet key: there, the hub's own backups must be kept no longer than \(Self.days(days)), or the fleet made anew."
    }

    static func days(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) days" : "\(value) days"
    }

    /// What the device does that the policy's lists may not say, in the words of the
    /// record of processing and the impact assessment alike: people who are not
    /// members, the staff's own data, the deny-list's data, the records kept for the
    /// device's life, the decision at the door, breaches, and a fleet's hub.
    func furtherProcessing(fleetHub: [String]) -> JSONValue {
        let policy = self.policy
        var object: JSONObject = [
            "people_who_are_not_members": .string(
                "A face of someone who is not a member, standing where the trigger processes faces (\(policy.recognition.trigger.meaning)), is measured in memory and compared with the members' templates, then discarded: its template is wiped once compared and nothing about the person is stored, only the day's count of decisions. This is biometric data (Art. 9) processed for an instant."
            ),
            "staff_accounts": .string(
                "The web console's accounts are staff's personal data: an account name, the named person it is for, a role, the OS user who made it, an Argon2id hash of the password, digests of API tokens, and the audit entries of what each account did. Kept while the account exists; its audit entries as long as the audit log."
            ),
            "deny_list_data": .string(
                "When the deny-list is enabled: incident categories and notes, entries, their reasons and approvals, and alerts at the door. Notes may describe offences (Art. 10): they are sealed with the person's own key, shown only to administrators and the person (in their access answer, staff named by role), and erased with the person."
            ),
            "records_kept_for_the_life_of_the_device": .string(
                "The erasure journal (pseudonyms erased or purposes withdrawn, when, and the OS user who asked) and the audit log (every action with its actor and pseudonym; personal details sealed with each person's key, unreadable after their erasure) are kept for the life of the device: they are what keeps an erasure erased and the processing accountable."
            ),
            "automated_decisions": .string(
                "A member's decision opens the door without a person (Art. 22 applies only to decisions with legal or similarly significant effect): nobody is refused by the device alone. An unknown face is offered the card or the desk; a deny-list match is an alert a member of staff decides, with a reason, and an unanswered alert does nothing."
            ),
            "breach_notification": .string(
                "Integrity failures (altered records, a damaged erasure journal, forged rows from a fleet's hub) are recorded as breach events listing the pseudonyms affected (`facegate audit check`, the audit export). The controller notifies the supervisory authority within 72 hours of becoming aware of a breach (Art. 33), and the people concerned when the risk to them is high (Art. 34)."
            ),
        ]
        if !fleetHub.isEmpty {
            object["fleet"] = .string(
                "This door is one of a fleet: members' templates and details, consent records, erasures and each door's audit log are copied to the fleet's hub (\(fleetHub.joined(separator: ", "))) sealed with a fleet key only the doors hold; the hub sees pseudonyms, times and counts, never a name or a template."
            )
        }
        return .object(object)
    }

    /// The section titles of the documents the DPO files, by their JSON keys: a reader
    /// sees "(a) Controller and data-protection officer", not `a_controller`.
    static let sectionTitles: [String: String] = [
        "a_controller": "(a) Controller and data-protection officer", "b_purposes": "(b) Purposes of the processing",
        "c_categories": "(c) Categories of data subjects and of personal data", "d_recipients": "(d) Recipients",
        "e_transfers": "(e) Transfers to a third country or an international organisation",
        "f_erasure_time_limits": "(f) Time limits for erasure", "g_security_measures": "(g) Technical and organisational security measures",
        "notices": "Consent notices in use", "recognition_trigger": "Who the camera processes", "deny_list": "The deny-list",
        "further_processing": "Further processing the controller should know of",
        "a_description": "(a) Systematic description of the processing and its purposes",
        "b_necessity_and_proportionality": "(b) Necessity and proportionality",
        "c_risks": "(c) Risks to the rights and freedoms of the people concerned", "d_measures": "(d) Measures envisaged",
        "open_items": "Items only the controller can complete", "controller": "Controller",
    ]

    /// A key as words: `dpo_contact` is "Dpo contact", `legal_basis` "Legal basis".
    static func words(_ key: String) -> String {
        let text = String(key.map { $0 == "_" ? " " : $0 })
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    /// A JSON document as Markdown: a section per top-level key under its title
    /// (`sectionTitles`), its fields as labelled lists, never a dump of keys.
    static func markdown(
        _ record: JSONValue, title: String? = "Record of processing activities (GDPR Art. 30(1))", titles: [String: String] = sectionTitles
    ) -> String {
        var out = title.map { "# \($0)\n\n" } ?? ""
        func render(_ value: JSONValue, indent: String) -> String {
            switch value {
            case .object(let object):
                guard !object.entries.isEmpty else { return "\(indent)- (none)" }
                return object.entries.map {
                    "\(indent)- **\(words($0.key))**:"
                        + (isScalar($0.value) ? " " + render($0.value, indent: "") : "\n" + render($0.value, indent: indent + "  "))
                }.joined(separator: "\n")
            case .array(let values):
                guard !values.isEmpty else { return "\(indent)- (none)" }
                return values.map {
                    isScalar($0) ? "\(indent)- " + render($0, indent: "") : "\(indent)-\n" + render($0, indent: indent + "  ")
                }.joined(separator: "\n")
            case .string(let text): return text
            case .bool(let flag): return flag ? "yes" : "no"
            case .null: return "(not recorded)"
            default: return value.serialized
            }
        }
        func isScalar(_ value: JSONValue) -> Bool {
            switch value {
            case .object, .array: false
            default: true
            }
        }
        // What the document is comes first, from its own fields; the draft marking is the
        // document's first line, not a section.
        let header = ["type", "draft", "unfilled_fields", "article", "generated_at", "subject"]
        if let object = record.objectValue {
            let facts = object.entries.filter { ["article", "generated_at", "subject"].contains($0.key) }
            if !facts.isEmpty {
                out += facts.map { "**\(words($0.key))**: \(render($0.value, indent: ""))" }.joined(separator: "  \n") + "\n\n"
            }
        }
        for entry in record.objectValue?.entries ?? [] where !header.contains(entry.key) {
            out += "## \(titles[entry.key] ?? words(entry.key))\n\n" + render(entry.value, indent: "") + "\n\n"
        }
        return out
    }

    /// The Art. 15 access response for one subject: what is held, why, since and until
    /// when, the consent history, visits and deny-list status. The template is
    /// described, never exported.
    public func subjectAccess(_ subject: SubjectID, actor: OSUser, format: ExportDocument.Format = .json) throws -> ExportDocument {
        let records = try vault.read { db in try ConsentStore.records(of: subject, in: db) }
        guard try vault.exists(subject) || !records.isEmpty else {
            throw ConsentError(.notFound, "no subject \(subject): nothing is held under this pseudonym")
        }
        let denyListStatus = try self.denyListStatus(of: subject)
        _ = try auditExport("export.subject_access", actor: actor, subject: subject)
        let policy = self.policy
        let held = try vault.exists(subject)
        var personal: JSONValue = .null
        var biometric: JSONValue = ["held": false, "description": "no face template is held: it was erased"]
        if held {
            let profile = try vault.profile(of: subject)
            let summary = try vault.summary(of: subject)
            personal = [
                "display_name": .string(profile.displayName),
                "fields": .object(JSONObject(profile.fields.keys.sorted().map { ($0, .string(profile.fields[$0]!)) })),
            ]
            biometric = [
                "held": true,
                "description": .string(
                    "\(summary.templateCount) face template(s): each a list of 128 numbers computed by dlib's ResNet model from a photo taken at enrolment. The photos were not kept. The templates are encrypted with a key that exists only for you; erasing it makes them unreadable on the device at once (for backups, see how long we keep it). The numbers themselves are not part of this export: they are only meaningful to the recognition software."
                ),
                "templates": .int(summary.templateCount),
                "created_at": .string(Timestamp.iso8601(summary.createdAt)),
                "expires_at": .string(Timestamp.iso8601(summary.expiresAt)),
            ]
        }
        if case .object(var fields) = personal {
            fields["card"] = .string(
                try cards.hasCard(subject)
                    ? "a membership card is linked to you, stored only as a keyed digest of its number (the number itself is not kept)"
                    : "no card is linked to you")
            personal = .object(fields)
        }
        let consentedPurposes = Set(records.filter { $0.supersededBy == nil }.flatMap(\.purposes))
        let visits = try visitLog.visits(of: subject)
        let document: JSONValue = [
            "type": "subject_access", "article": "GDPR Art. 15", "subject": .string(subject.rawValue),
            "generated_at": .string(Timestamp.iso8601(clock.now())),
            "controller": [
                "name": .string(policy.controller.name), "contact": .string(policy.controller.contact),
                "dpo_contact": .string(policy.controller.dpoContact),
            ],
            "personal_data": personal,
            "biometric_data": biometric,
            "purposes": .array(
                policy.purposes.filter { consentedPurposes.contains($0.id) }.map {
                    ["id": .string($0.id), "description": .string($0.description), "legal_basis": .string($0.legalBasis)]
                }),
            "consent_history": .array(records.map(\.json)),
            "visits": [
                "recorded": .bool(consentedPurposes.contains(ConsentRegistry.analyticsPurpose)),
                "times": .array(visits.map { .string(Timestamp.iso8601($0)) }),
            ],
            "deny_list": try namingStaffByRole(denyListStatus),
            "lookups": [
                "description":
                    "Each time a member of the venue's staff identified you in a photo (not at the door): when, and by whom, by role.",
                "times": .array(try lookups(of: subject)),
            ],
            "recipients": .array(policy.recordOfProcessing.recipients.map(JSONValue.string)),
            "retention": [
                "face_templates": .string("at most \(Self.days(policy.retention.templateDays)) after consent, and at once on withdrawal"),
                "visits": .string("\(Self.days(policy.retention.accessEventDays))"),
                "backups": .string(Self.backupStatement(days: policy.retention.backupDays)),
            ],
            "recognition_trigger": Self.trigger(policy.recognition),
            "source": "collected from you at enrolment, with your explicit consent",
            "automated_decision_making":
                "The device only suggests: it opens the door for recognised members, and any alert is decided by a member of staff. No decision with legal or similarly significant effect is made by the device alone.",
            "rights":
                "You may withdraw consent at any time (it takes effect at once), and ask for access, rectification, erasure or restriction by contacting the controller.",
            "complaint": .string("You may complain to \(policy.controller.supervisoryAuthority)."),
        ]
        guard format == .markdown || format == .html else { return ExportDocument(format: .json, text: document.serialized + "\n") }
        return .written(Self.accessLetter(document, controller: policy.controller), title: "A copy of your personal data", as: format)
    }

    /// The sections of the Art. 15 letter, by the access document's keys.
    static let accessSectionTitles: [String: String] = [
        "personal_data": "What we hold about you", "biometric_data": "Your face template",
        "purposes": "Why we hold it, and on what legal basis", "consent_history": "Your consent, as we recorded it",
        "visits": "Your visits", "deny_list": "The deny-list", "lookups": "Staff identifying you in a photo",
        "recipients": "Who receives it", "retention": "How long we keep it", "recognition_trigger": "Who the camera processes",
        "source": "Where it came from", "automated_decision_making": "Decisions made by the device", "rights": "Your rights",
        "complaint": "If you are not satisfied",
    ]

    /// The Art. 15 answer as a letter to the person (Markdown): who writes, to whom, what
    /// it is, then each part of the access document under a plain title, and how to reach
    /// the controller. The same facts as the JSON, in the order a person reads them.
    static func accessLetter(_ document: JSONValue, controller: Policy.Controller) -> String {
        let name = document["personal_data"]?["display_name"]?.stringValue
        let subject = document["subject"]?.stringValue ?? ""
        var out = """
            # A copy of your personal data (GDPR Art. 15)

            **From**: \(controller.name), \(controller.address) (\(controller.contact)); data-protection officer: \(controller.dpoContact)  
            **To**: \(name ?? "the person enrolled under the reference below (their name is no longer held)")  
            **Your reference**: `\(subject)`  
            **Written**: \(document["generated_at"]?.stringValue ?? "")

            \(name.map { "Dear \($0)," } ?? "Dear member,")

            You asked what we hold about you. This is everything our entrance device holds under your reference: what it is, \
            why and on what legal basis, since and until when, who sees it, and what you can do. Your face template is \
            described, not copied: its numbers mean nothing outside the recognition software.


            """
        var sections = JSONObject()
        for entry in document.objectValue?.entries ?? [] where accessSectionTitles[entry.key] != nil {
            sections[entry.key] = entry.value
        }
        out += markdown(.object(sections), title: nil, titles: accessSectionTitles)
        out += """
            Yours sincerely,

            \(controller.name)  
            \(controller.contact) · data-protection officer: \(controller.dpoContact)

            """
        return out
    }
}
