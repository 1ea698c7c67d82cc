public import Consent
import FaceEngine
public import FacegateCore
import Vault

/// Protocol v1: how a command travels as `{"cmd": name, "args": {…}}`. Decoding checks
/// every argument's type and range (`invalid_request` naming it) before anything runs;
/// `arguments` is its exact inverse, which the tests check for every command.
extension AdminCommand {
    /// The default number of days `stats` covers.
    public static let defaultStatisticsDays = 30

    /// The days `stats` may cover.
    public static let statisticsDays = 1...3650

    /// Decodes the `args` of command `name`.
    public init(_ name: Name, arguments object: JSONObject) throws(AdminError) {
        let args = AdminArguments(command: name.rawValue, object)
        switch name {
        case .status: self = .status
        case .subjects: self = .subjects(names: try args.bool("names"))
        case .enrol:
            let fields =
                args["fields"]?.objectValue.map { object in
                    Dictionary(
                        object.entries.compactMap { entry in entry.value.stringValue.map { (entry.key, $0) } },
                        uniquingKeysWith: { a, _ in a })
                } ?? [:]
            self = .enrol(
                EnrolmentRequest(
                    displayName: try args.string("name"), fields: fields, noticeVersion: try args.string("notice"),
                    purposes: try args.strings("purposes") ?? [], method: try args.string("method"), card: try args.optionalString("card"),
                    differentFrom: try (args.strings("different_from") ?? []).map { (text: String) throws(AdminError) in
                        try AdminArguments.subject(parsing: text)
                    }),
                detector: try args.detector())
        case .addPhotos: self = .addPhotos(try args.subject(), detector: try args.detector())
        case .identify: self = .identify(detector: try args.detector())
        case .erase: self = .erase(try args.subject())
        case .withdraw: self = .withdraw(try args.subject(), purposes: try args.strings("purposes"))
        case .purge: self = .purge
        case .exportConsentLog: self = .exportConsentLog(try args.exportFormat(default: .jsonl))
        case .exportAudit: self = .exportAudit(try args.exportFormat(default: .jsonl))
        case .exportFleetAudit: self = .exportFleetAudit
        case .exportRecordOfProcessing:
            self = .exportRecordOfProcessing(try args.exportFormat(default: .json), draft: try args.bool("draft"))
        case .exportImpactAssessment: self = .exportImpactAssessment(try args.exportFormat(default: .markdown))
        case .exportSubject: self = .exportSubject(try args.subject(), format: try args.exportFormat(default: .json))
        case .exportUndelivered:
            self = .exportUndelivered(
                export: try args.string("export"), outcome: try args.string("outcome"), reason: try args.string("reason"))
        case .auditVerify:
            var key: [UInt8]?
            if let text = try args.optionalString("public_key") {
                guard let bytes = Hex.decode(text), bytes.count == 32 else {
                    throw AdminError(.invalidRequest, "'public_key' must be 64 hex digits")
                }
                key = bytes
            }
            self = .auditVerify(export: try args.string("export"), publicKey: key)
        case .auditCheck: self = .auditCheck
        case .backupPrepare: self = .backupPrepare
        case .backupRecord:
            var epochs: [Int] = []
            if let value = args["key_epochs"] {
                guard let list = value.arrayValue?.compactMap(\.intValue), list.count == value.arrayValue?.count else {
                    throw AdminError(.invalidRequest, "'key_epochs' must be a list of whole numbers")
                }
                epochs = list
            }
            self = .backupRecord(destination: try args.string("destination"), keyEpochs: epochs)
        case .policyReload: self = .policyReload
        case .stats:
            let days = args["days"].map { $0.intValue ?? -1 } ?? Self.defaultStatisticsDays
            guard Self.statisticsDays.contains(days) else {
                throw AdminError(.invalidRequest, "'stats': 'days' must be a whole number from 1 to 3650")
            }
            self = .stats(days: days, names: try args.bool("names"))
        case .health: self = .health
        case .incidentAdd:
            self = .incidentAdd(try args.subject(), category: try args.string("category"), note: try args.optionalString("note"))
        case .denyListList: self = .denyListList(subject: try args.optionalSubject())
        case .denyListPropose:
            self = .denyListPropose(try args.subject(), reason: try args.string("reason"), evidence: try args.strings("evidence") ?? [])
        case .denyListApprove: self = .denyListApprove(entry: try args.string("entry"), reason: try args.string("reason"))
        case .denyListReject: self = .denyListReject(entry: try args.string("entry"), reason: try args.string("reason"))
        case .denyListLift: self = .denyListLift(entry: try args.string("entry"), reason: try args.string("reason"))
        case .denyListRenew: self = .denyListRenew(entry: try args.string("entry"), reason: try args.string("reason"))
        case .denyListEnable: self = .denyListEnable(dpiaReference: try args.string("dpia_reference"), reason: try args.string("reason"))
        case .denyListDisable: self = .denyListDisable(reason: try args.string("reason"))
        case .doorConfirm:
            self = .doorConfirm(alert: try args.string("alert"), decision: try args.string("decision"), reason: try args.string("reason"))
        case .doorAlerts: self = .doorAlerts
        case .doorClaim: self = .doorClaim(card: try args.string("card"))
        case .doorAdmit: self = .doorAdmit(card: try args.string("card"))
        case .cardSet: self = .cardSet(try args.subject(), card: try args.string("card"))
        case .cardClear: self = .cardClear(try args.subject())
        case .cardPanel: self = .cardPanel(try args.subject())
        case .consoleUserAdd:
            self = .consoleUserAdd(
                name: try args.string("name"), role: try args.consoleRole("role"), person: try args.string("person"),
                password: try args.secret("password"))
        case .consoleUserRemove: self = .consoleUserRemove(name: try args.string("name"))
        case .consoleUserList: self = .consoleUserList
        case .consoleUserPassword: self = .consoleUserPassword(name: try args.string("name"), password: try args.secret("password"))
        case .consoleUserRole: self = .consoleUserRole(name: try args.string("name"), role: try args.consoleRole("role"))
        case .consoleTokenAdd:
            var role: ConsoleRole?
            if let text = try args.optionalString("role") { role = try AdminArguments.consoleRole(parsing: text) }
            self = .consoleTokenAdd(name: try args.string("name"), role: role)
        case .consoleTokenRevoke: self = .consoleTokenRevoke(tokenID: try args.string("token_id"))
        }
    }

    /// The `args` object this command travels with.
    public var arguments: JSONObject {
        switch self {
        case .identify(let detector): return detector == .auto ? [:] : ["detector": .string(detector.rawValue)]
        case .status, .purge, .exportFleetAudit, .auditCheck, .backupPrepare, .policyReload, .doorAlerts, .consoleUserList, .health:
            return [:]
        case .subjects(let names): return ["names": .bool(names)]
        case .enrol(let request, let detector):
            var fields = JSONObject()
            for (key, value) in request.fields.sorted(by: { $0.key < $1.key }) { fields[key] = .string(value) }
            var object: JSONObject = [
                "name": .string(request.displayName), "notice": .string(request.noticeVersion),
                "purposes": .array(request.purposes.map(JSONValue.string)), "method": .string(request.method), "fields": .object(fields),
            ]
            if let card = request.card { object["card"] = .string(card) }
            if !request.differentFrom.isEmpty { object["different_from"] = .array(request.differentFrom.map { .string($0.rawValue) }) }
            if detector != .auto { object["detector"] = .string(detector.rawValue) }
            return object
        case .addPhotos(let subject, let detector):
            var object: JSONObject = ["subject": .string(subject.rawValue)]
            if detector != .auto { object["detector"] = .string(detector.rawValue) }
            return object
        case .erase(let subject), .cardClear(let subject), .cardPanel(let subject): return ["subject": .string(subject.rawValue)]
        case .exportSubject(let subject, let format): return ["subject": .string(subject.rawValue), "format": .string(format.rawValue)]
        case .doorClaim(let card), .doorAdmit(let card): return ["card": .string(card)]
        case .cardSet(let subject, let card): return ["subject": .string(subject.rawValue), "card": .string(card)]
        case .withdraw(let subject, let purposes):
            var object: JSONObject = ["subject": .string(subject.rawValue)]
            if let purposes { object["purposes"] = .array(purposes.map(JSONValue.string)) }
            return object
        case .exportConsentLog(let format), .exportAudit(let format): return ["format": .string(format.rawValue)]
        case .exportRecordOfProcessing(let format, let draft): return ["format": .string(format.rawValue), "draft": .bool(draft)]
        case .exportImpactAssessment(let format): return ["format": .string(format.rawValue)]
        case .exportUndelivered(let export, let outcome, let reason):
            return ["export": .string(export), "outcome": .string(outcome), "reason": .string(reason)]
        case .auditVerify(let export, let publicKey):
            var object: JSONObject = ["export": .string(export)]
            if let publicKey { object["public_key"] = .string(Hex.encode(publicKey)) }
            return object
        case .backupRecord(let destination, let epochs):
            return ["destination": .string(destination), "key_epochs": .array(epochs.map(JSONValue.int))]
        case .stats(let days, let names): return ["days": .int(days), "names": .bool(names)]
        case .incidentAdd(let subject, let category, let note):
            var object: JSONObject = ["subject": .string(subject.rawValue), "category": .string(category)]
            if let note { object["note"] = .string(note) }
            return object
        case .denyListList(let subject): return subject.map { ["subject": .string($0.rawValue)] } ?? [:]
        case .denyListPropose(let subject, let reason, let evidence):
            return ["subject": .string(subject.rawValue), "reason": .string(reason), "evidence": .array(evidence.map(JSONValue.string))]
        case .denyListApprove(let entry, let reason), .denyListReject(let entry, let reason), .denyListRenew(let entry, let reason),
            .denyListLift(let entry, let reason):
            return ["entry": .string(entry), "reason": .string(reason)]
        case .denyListEnable(let reference, let reason): return ["dpia_reference": .string(reference), "reason": .string(reason)]
        case .denyListDisable(let reason): return ["reason": .string(reason)]
        case .doorConfirm(let alert, let decision, let reason):
            return ["alert": .string(alert), "decision": .string(decision), "reason": .string(reason)]
        case .consoleUserAdd(let name, let role, let person, let password):
            return ["name": .string(name), "role": .string(role.rawValue), "person": .string(person), "password": .string(password.text)]
        case .consoleUserRemove(let name): return ["name": .string(name)]
        case .consoleUserPassword(let name, let password): return ["name": .string(name), "password": .string(password.text)]
        case .consoleUserRole(let name, let role): return ["name": .string(name), "role": .string(role.rawValue)]
        case .consoleTokenAdd(let name, let role):
            var object: JSONObject = ["name": .string(name)]
            if let role { object["role"] = .string(role.rawValue) }
            return object
        case .consoleTokenRevoke(let id): return ["token_id": .string(id)]
        }
    }
}

extension AdminArguments {
    /// A secret argument (a password): its bytes, wiped when the command is released.
    /// Its value never appears in an error.
    func secret(_ name: String) throws(AdminError) -> SecretBytes {
        SecretBytes(utf8: try string(name))
    }

    func consoleRole(_ name: String) throws(AdminError) -> ConsoleRole {
        try Self.consoleRole(parsing: try string(name))
    }

    /// A console role by its name (`admin`, `dpo`, `staff`).
    public static func consoleRole(parsing text: String) throws(AdminError) -> ConsoleRole {
        guard let role = ConsoleRole(rawValue: text) else {
            throw AdminError(
                .invalidRequest,
                "unknown console role '\(text)'; use one of: \(ConsoleRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return role
    }

    func exportFormat(default fallback: ExportDocument.Format) throws(AdminError) -> ExportDocument.Format {
        guard let text = try optionalString("format") else { return fallback }
        return try Self.exportFormat(parsing: text)
    }

    /// An export format by its name (`jsonl`, `csv`, `json`, `md`, `html`).
    public static func exportFormat(parsing text: String) throws(AdminError) -> ExportDocument.Format {
        guard let format = ExportDocument.Format(rawValue: text) else {
            throw AdminError(
                .invalidRequest,
                "unknown export format '\(text)'; use one of: \(ExportDocument.Format.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return format
    }
}
