public import Consent
public import FaceEngine
public import FacegateCore
public import Vault

/// Every operation of the appliance, with its arguments typed: defined once, built by
/// the CLI (and the console), carried as protocol v1 JSON over the admin socket
/// (`AdminCommand+Wire.swift`), and run by `ApplianceOperations.perform`.
///
/// Images are not part of a command: they travel beside it (uploads over the socket,
/// files or camera frames in-process) and are never written anywhere.
public enum AdminCommand: Sendable, Equatable {
    /// Non-personal facts, answered from memory.
    case status
    /// Enrolled subjects; `names` (admins only, audited) adds display names.
    case subjects(names: Bool)
    /// Enrols the one person in the images, with their consent; `detector` finds
    /// their faces (HOG with fallbacks unless asked).
    case enrol(EnrolmentRequest, detector: DetectionOptions.Detector = .auto)
    /// Adds the member in the images (templates, quality-gated, checked to be that
    /// member) to an enrolled subject; their consent record is unchanged; audited.
    case addPhotos(SubjectID, detector: DetectionOptions.Detector = .auto)
    /// Who is in each image; nothing is stored.
    case identify(detector: DetectionOptions.Detector = .auto)
    /// Erases a subject now (Art. 17).
    case erase(SubjectID)
    /// Withdraws consent to some purposes, or all (nil): withdrawing recognition erases.
    case withdraw(SubjectID, purposes: [String]?)
    /// Runs the retention sweep now.
    case purge
    case exportConsentLog(ExportDocument.Format)
    case exportAudit(ExportDocument.Format)
    /// Every door's audit chain, from the fleet's hub (a door of a fleet only).
    case exportFleetAudit
    /// The Art. 30 record; refused while the policy has empty or placeholder fields
    /// unless `draft`, which marks it as a draft.
    case exportRecordOfProcessing(ExportDocument.Format, draft: Bool)
    /// A draft data-protection impact assessment (Art. 35(7)) from the policy and the device.
    case exportImpactAssessment(ExportDocument.Format)
    /// The Art. 15 access response.
    /// The Art. 15 answer: JSON, or (`md`) a letter to the person.
    case exportSubject(SubjectID, format: ExportDocument.Format = .json)
    /// Records that an export was refused or failed on the caller's side.
    case exportUndelivered(export: String, outcome: String, reason: String)
    /// Verifies an export's text offline, against `publicKey` when given.
    case auditVerify(export: String, publicKey: [UInt8]?)
    /// Checks the device's integrity now; a problem is recorded as a breach event.
    case auditCheck
    /// Brings the database to a consistent point before a read-only copy.
    case backupPrepare
    /// Audits a backup the CLI copied.
    case backupRecord(destination: String, keyEpochs: [Int])
    /// Reloads the policy file (validated first).
    case policyReload
    /// Daily decision counts, visits by hour and regulars over `days`; `names` (admins
    /// only, audited) adds the regulars' display names. A console DPO gets aggregates only.
    case stats(days: Int, names: Bool)
    /// Recognition-quality drift (anonymous daily aggregates against the band learned
    /// over 30 days) and, in a daemon with a camera, the camera's health.
    case health
    case incidentAdd(SubjectID, category: String, note: String?)
    case denyListList(subject: SubjectID?)
    case denyListPropose(SubjectID, reason: String, evidence: [String])
    case denyListApprove(entry: String, reason: String)
    case denyListReject(entry: String, reason: String)
    case denyListRenew(entry: String, reason: String)
    /// Ends an entry in force before its review date (one admin or the DPO, audited).
    case denyListLift(entry: String, reason: String)
    /// One admin's request to enable the deny-list under a DPIA (distinct admins needed).
    case denyListEnable(dpiaReference: String, reason: String)
    /// Switches the admins' activation of the deny-list off.
    case denyListDisable(reason: String)
    /// A person's decision on a door alert (`deny` or `admit`).
    case doorConfirm(alert: String, decision: String, reason: String)
    /// The open door alerts.
    case doorAlerts
    /// A card presented at the door under the claim trigger: the next face in the zone
    /// is compared with its holder's templates only.
    case doorClaim(card: String)
    /// A card-only entry: no face is processed; the door opens.
    case doorAdmit(card: String)
    /// Links a membership card to an enrolled subject (replacing theirs).
    case cardSet(SubjectID, card: String)
    /// Unlinks a subject's card.
    case cardClear(SubjectID)
    /// The member's panel credential (issued now if they have none): what the venue
    /// enters in its access panel once, for the door's OSDP link.
    case cardPanel(SubjectID)
    /// Adds a web console account for one named person; its password is hashed
    /// (Argon2id) and wiped.
    case consoleUserAdd(name: String, role: ConsoleRole, person: String, password: SecretBytes)
    /// Removes a console account and revokes its tokens.
    case consoleUserRemove(name: String)
    /// The console accounts, with the ids of their live tokens.
    case consoleUserList
    /// Replaces a console account's password; its sessions and tokens end.
    case consoleUserPassword(name: String, password: SecretBytes)
    /// Gives a console account another role; its sessions and tokens end.
    case consoleUserRole(name: String, role: ConsoleRole)
    /// Issues an API token for a console account (its role unless `role`), shown once.
    case consoleTokenAdd(name: String, role: ConsoleRole?)
    /// Revokes an API token by its id.
    case consoleTokenRevoke(tokenID: String)

    /// The commands' names on the wire, in the order `docs/ADMIN-PROTOCOL.md` lists them.
    public enum Name: String, Sendable, CaseIterable {
        case status
        case subjects
        case enrol
        case addPhotos = "subject.add_photos"
        case identify
        case erase
        case withdraw = "consent.withdraw"
        case purge
        case exportConsentLog = "export.consent_log"
        case exportAudit = "export.audit"
        case exportFleetAudit = "export.fleet_audit"
        case exportRecordOfProcessing = "export.ropa"
        case exportImpactAssessment = "export.dpia"
        case exportSubject = "export.subject"
        case auditVerify = "audit.verify"
        case auditCheck = "audit.check"
        case backupPrepare = "backup.prepare"
        case backupRecord = "backup.record"
        case exportUndelivered = "export.undelivered"
        case policyReload = "policy.reload"
        case incidentAdd = "incident.add"
        case denyListList = "denylist.list"
        case denyListPropose = "denylist.propose"
        case denyListApprove = "denylist.approve"
        case denyListReject = "denylist.reject"
        case denyListRenew = "denylist.renew"
        case denyListLift = "denylist.lift"
        case denyListEnable = "denylist.enable"
        case denyListDisable = "denylist.disable"
        case doorConfirm = "door.confirm"
        case doorAlerts = "door.alerts"
        case doorClaim = "door.claim"
        case doorAdmit = "door.admit"
        case cardSet = "card.set"
        case cardClear = "card.clear"
        case cardPanel = "card.panel"
        case stats
        case health
        case consoleUserAdd = "console.user.add"
        case consoleUserRemove = "console.user.remove"
        case consoleUserList = "console.user.list"
        case consoleUserPassword = "console.user.passwd"
        case consoleUserRole = "console.user.role"
        case consoleTokenAdd = "console.token.add"
        case consoleTokenRevoke = "console.token.revoke"

        /// Names a client may still send for a command (the protocol's first spelling).
        static let aliases: [String: Name] = ["enroll": .enrol]

        /// The command `text` names, if any.
        public init?(wire text: String) {
            guard let name = Name(rawValue: text) ?? Self.aliases[text] else { return nil }
            self = name
        }

        /// Who may run it: `status` anyone the socket lets in; everything else root,
        /// the service user and the admin group.
        public var access: Access { self == .status ? .anyone : .admin }

        /// The console roles that may run it. Staff act at the door; admins manage
        /// members, cards and the deny-list; the DPO reads and verifies but runs no
        /// biometric operation. Backups, policy reloads and accounts stay on the
        /// admin socket (a root shell's business).
        public var consoleRoles: Set<ConsoleRole> {
            switch self {
            case .status: [.staff, .admin, .dpo]
            case .identify, .incidentAdd, .doorAlerts, .doorConfirm, .doorClaim, .doorAdmit: [.staff, .admin]
            case .enrol, .addPhotos, .erase, .withdraw, .purge, .cardSet, .cardClear, .cardPanel, .denyListPropose, .denyListApprove,
                .denyListReject, .denyListRenew, .denyListEnable, .denyListDisable:
                [.admin]
            case .subjects, .exportSubject, .stats, .health, .denyListList, .denyListLift: [.admin, .dpo]
            case .exportConsentLog, .exportAudit, .exportFleetAudit, .exportRecordOfProcessing, .exportImpactAssessment, .exportUndelivered,
                .auditVerify, .auditCheck:
                [.dpo]
            case .backupPrepare, .backupRecord, .policyReload, .consoleUserAdd, .consoleUserRemove, .consoleUserList,
                .consoleUserPassword, .consoleUserRole, .consoleTokenAdd, .consoleTokenRevoke:
                []
            }
        }

        /// Whether a successful run writes an audit entry of its own for the action
        /// (`subject.erase`, `export.audit`, `card.set`, …), carrying who ran it: then no
        /// generic `admin.command` entry repeats it. A refusal or failure is always audited
        /// as `admin.command`. Commands whose entry depends on the answer (`identify`
        /// records a match only; `subjects` and `stats` only when names are shown) keep
        /// the generic one.
        public var auditsItself: Bool {
            switch self {
            case .enrol, .addPhotos, .erase, .withdraw, .cardSet, .incidentAdd, .doorConfirm, .denyListPropose,
                .denyListApprove, .denyListReject, .denyListRenew, .denyListLift, .denyListEnable, .denyListDisable, .exportConsentLog,
                .exportAudit, .exportFleetAudit, .exportRecordOfProcessing, .exportImpactAssessment, .exportSubject, .policyReload:
                true
            default: false
            }
        }

        /// False for answers from memory (`status`): they never wait behind blocking work.
        public var blocks: Bool { self != .status }

        /// Whether the command takes images (uploads).
        public var takesImages: Bool { self == .enrol || self == .addPhotos || self == .identify }
    }

    /// Who may run a command.
    public enum Access: Sendable, Equatable {
        /// Root, the service user and the admin group.
        case admin
        /// Anyone the socket lets in (read-only, non-personal).
        case anyone
    }

    public var name: Name {
        switch self {
        case .status: .status
        case .subjects: .subjects
        case .enrol: .enrol
        case .addPhotos: .addPhotos
        case .identify: .identify
        case .erase: .erase
        case .withdraw: .withdraw
        case .purge: .purge
        case .exportConsentLog: .exportConsentLog
        case .exportAudit: .exportAudit
        case .exportFleetAudit: .exportFleetAudit
        case .exportRecordOfProcessing: .exportRecordOfProcessing
        case .exportImpactAssessment: .exportImpactAssessment
        case .exportSubject: .exportSubject
        case .exportUndelivered: .exportUndelivered
        case .auditVerify: .auditVerify
        case .auditCheck: .auditCheck
        case .backupPrepare: .backupPrepare
        case .backupRecord: .backupRecord
        case .policyReload: .policyReload
        case .stats: .stats
        case .health: .health
        case .incidentAdd: .incidentAdd
        case .denyListList: .denyListList
        case .denyListPropose: .denyListPropose
        case .denyListApprove: .denyListApprove
        case .denyListReject: .denyListReject
        case .denyListRenew: .denyListRenew
        case .denyListLift: .denyListLift
        case .denyListEnable: .denyListEnable
        case .denyListDisable: .denyListDisable
        case .doorConfirm: .doorConfirm
        case .doorAlerts: .doorAlerts
        case .doorClaim: .doorClaim
        case .doorAdmit: .doorAdmit
        case .cardSet: .cardSet
        case .cardClear: .cardClear
        case .cardPanel: .cardPanel
        case .consoleUserAdd: .consoleUserAdd
        case .consoleUserRemove: .consoleUserRemove
        case .consoleUserList: .consoleUserList
        case .consoleUserPassword: .consoleUserPassword
        case .consoleUserRole: .consoleUserRole
        case .consoleTokenAdd: .consoleTokenAdd
        case .consoleTokenRevoke: .consoleTokenRevoke
        }
    }
}
