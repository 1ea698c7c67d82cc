public import FacegateCore
import Vault

extension ConsentExports {
    /// A draft data-protection impact assessment (GDPR Art. 35(7)), filled from the
    /// policy and the device as it runs: (a) a systematic description of the
    /// processing and its purposes, (b) its necessity and proportionality, (c) the
    /// risks to people and (d) the measures against each, with the privacy
    /// requirements whose tests prove them (`docs/PRIVACY.md`); then the items only the
    /// controller can complete. Always a draft: likelihood, severity, the DPO's advice
    /// and the consultation of the people concerned are not the device's to write.
    public func impactAssessment(format: ExportDocument.Format, actor: OSUser) throws -> ExportDocument {
        let policy = self.policy
        let counts = try vault.counts()
        _ = try auditExport("export.dpia", actor: actor)
        let recognition = policy.recognition
        let retention = policy.retention
        var openItems: [JSONValue] = policy.unfilledRecordOfProcessingFields.map {
            .string("fill in `\($0)` in the policy: it is empty or still the shipped example")
        }
        openItems += [
            "assess the likelihood and the severity of each risk in section c, for the people who come to this venue",
            "record the DPO's advice (Art. 35(2)) and whether the views of the people concerned or their representatives were sought (Art. 35(9))",
            "decide whether the remaining risk is high enough to consult the supervisory authority before starting (Art. 36)",
            "say why the door cannot be run with cards alone for the people who consent (the necessity of the biometric processing)",
            "plan the review of this assessment (at least when the policy, the trigger or the deny-list changes)",
        ]
        if recognition.trigger == .always {
            openItems.append(
                .string(
                    "justify processing every face in the picture (trigger \"always\", DPIA reference \(recognition.dpiaReference)) rather than only the people who ask"
                ))
        }
        if let reference = denyList.dpiaReference {
            openItems.append(
                .string("attach the deny-list's own assessment (\(reference)): categories, rules, approvals and reviews"))
        }
        let document: JSONObject = [
            "type": "dpia_draft", "article": "GDPR Art. 35(7)", "draft": true, "generated_at": .string(Timestamp.iso8601(clock.now())),
            "controller": [
                "name": .string(policy.controller.name), "contact": .string(policy.controller.contact),
                "dpo_contact": .string(policy.controller.dpoContact),
            ],
            "a_description": [
                "processing": .string(
                    "Face recognition at the venue's entrance by one device (facegate): a camera picture is searched for faces; a face is measured (a template of 128 numbers) and compared with the enrolled members' templates only as the trigger below allows; the device decides member (the door opens), unknown (nothing is kept), or alert (a person decides)."
                ),
                "trigger": Self.trigger(recognition),
                "purposes": .array(
                    policy.purposes.map {
                        ["id": .string($0.id), "description": .string($0.description), "legal_basis": .string($0.legalBasis)]
                    }),
                "data_subjects": .array(policy.recordOfProcessing.dataSubjectCategories.map(JSONValue.string)),
                "personal_data": .array(policy.recordOfProcessing.personalDataCategories.map(JSONValue.string)),
                "where": "on the device at the entrance only; no photograph or face crop is ever stored, not even temporarily",
                "retention": [
                    "face_templates": .string(
                        "at most \(Self.days(retention.templateDays)) after consent, at once on withdrawal or erasure"),
                    "visits": .string("\(Self.days(retention.accessEventDays)), only with consent to attendance analytics"),
                    "unknown_faces": "never stored: daily counts only",
                    "backups": .string(Self.backupStatement(days: retention.backupDays)),
                ],
                "who_sees_what": .array(policy.recordOfProcessing.recipients.map(JSONValue.string)),
                "further_processing": furtherProcessing(fleetHub: []),
                "recipients": .array(policy.recordOfProcessing.recipients.map(JSONValue.string)),
                "transfers": .string(policy.recordOfProcessing.transfers),
                "device_now": [
                    "enrolled_people": .int(counts.subjects), "templates": .int(counts.templates),
                    "deny_list": .string(denyList.dpiaReference.map { "enabled (\($0))" } ?? "off"),
                    "notices": .array(policy.notices.map { .string("\($0.version) (sha256 \($0.sha256))") }),
                ],
            ],
            "b_necessity_and_proportionality": [
                "why_a_face":
                    "Members who choose it enter without a card or a queue at the desk; the face is compared only when the member steps up (or presents their card), and only with consent given on a signed form or a tablet with the notice named in each record.",
                "alternative":
                    "Recognition is optional: a card (or the desk) works exactly as before, with no extra step, and processes no image of the person (`door admit`).",
                "data_minimisation": [
                    "templates, not photographs; an unknown face leaves a daily count only",
                    .string(
                        "faces are processed only under the trigger \"\(recognition.trigger.rawValue)\": \(recognition.trigger.meaning)"),
                    "visits only with consent to analytics; cards stored as keyed digests",
                ],
                "consent": [
                    "required_purpose": .string(policy.consent.requiredPurpose),
                    "methods": .array(policy.consent.methods.map(JSONValue.string)),
                    "withdrawal": "at any time, taking effect before the command returns: the person's key is destroyed",
                ],
                "rights":
                    "access (Art. 15 answer), erasure, withdrawal and objection through the controller's contact; decisions with effect on a person are taken by staff, not the device",
            ],
            "c_risks": .array(
                PrivacyRisk.catalogue.map { risk in
                    [
                        // Not the device's to judge: a null here read as "assessed as nil".
                        "id": .string(risk.id), "risk": .string(risk.risk), "likelihood": "to be assessed by the controller",
                        "severity": "to be assessed by the controller",
                        "measures": .array(risk.measures.map(JSONValue.string)),
                        "proven_by": .string(
                            "the tests of requirement(s) \(risk.requirements.map(String.init).joined(separator: ", ")) in docs/PRIVACY.md"),
                    ]
                }),
            "d_measures": .array(policy.recordOfProcessing.securityMeasures.map(JSONValue.string)),
            "open_items": .array(openItems),
        ]
        switch format {
        case .json, .jsonl:
            return ExportDocument(format: .json, text: JSONValue.object(document).serialized + "\n")
        case .markdown, .html:
            return .written(
                "DRAFT — a data-protection impact assessment is the controller's: complete the open items, then have the DPO review it.\n\n"
                    + Self.markdown(.object(document), title: "Data-protection impact assessment (GDPR Art. 35(7)): draft"),
                title: "Data-protection impact assessment", as: format)
        case .csv:
            throw ConsentError(.invalidArgument, "the impact assessment exports as json, md or html")
        }
    }
}
