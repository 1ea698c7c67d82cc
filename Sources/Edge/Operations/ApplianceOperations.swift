public import Consent
public import FaceEngine
public import FacegateCore
public import Fleet
public import Logging
import Synchronization
import Vault

/// The appliance's operations: the one facade every front door goes through. The CLI
/// runs them in-process when no daemon is running, the admin socket inside the daemon,
/// and each command reaches exactly one method here (`perform`). Methods return typed
/// values or JSON and throw a `UserFacingError`; none of them knows its transport.
public final class ApplianceOperations: @unchecked Sendable {
    public let registry: ConsentRegistry
    public let models: ModelFiles
    let decoder: ImageDecoder
    let logger: Logger
    private let loadedEngine = Mutex<FaceEngine?>(nil)
    /// Held from the duplicate-face check to the commit of an enrolment, so that two
    /// enrolments of one face at once (two admins, two tablets) leave one subject.
    let enrolment = Mutex(())
    /// The decoded pixels photos may hold at once (`PixelBudget`).
    let photoBudget = PixelBudget()

    /// True in the daemon: its gallery is loaded and serves the door.
    public let servesDoor: Bool
    /// The running door (claims, card entries), in the daemon.
    public let door: DoorDesk?
    /// The daemon's sync with its fleet's hub, on a door that joined one.
    public let fleet: FleetSync?
    /// The link to the venue's access panel, in a daemon whose policy has `[osdp]`.
    public let panel: PanelLinkService?
    /// The card reader the daemon polls for claims, once it runs (it needs these
    /// operations to make its claims).
    let cardReader = Mutex<CardReaderService?>(nil)

    /// Shows the card reader in `status` once the daemon runs it.
    public func attach(cardReader reader: CardReaderService) { cardReader.withLock { $0 = reader } }

    let feed = Mutex<MQTTService?>(nil)

    /// Shows the MQTT feed in `status` once the daemon runs it.
    public func attach(feed service: MQTTService) { feed.withLock { $0 = service } }

    public init(
        registry: ConsentRegistry, models: ModelFiles, engine: FaceEngine? = nil, servesDoor: Bool = false, door: DoorDesk? = nil,
        fleet: FleetSync? = nil, panel: PanelLinkService? = nil, logger: Logger
    ) {
        self.registry = registry
        self.fleet = fleet
        self.panel = panel
        self.models = models
        self.servesDoor = servesDoor || door != nil
        self.door = door
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

    /// Whether `caller` may run `command`: an OS account by the command's access (the
    /// admin group), a console account by its role.
    public func mayRun(_ command: AdminCommand.Name, _ caller: Caller) -> Bool {
        switch caller {
        case .user(let user): command.access == .anyone || isAdmin(user)
        case .console(let account): command.consoleRoles.contains(account.role)
        }
    }

    /// Why `caller` may not run `command`, for the refusal.
    func refusal(_ command: AdminCommand.Name, _ caller: Caller) -> String {
        switch caller {
        case .user(let user):
            return "'\(user.name)' may not run '\(command.rawValue)': only root, the service user and the admin group may"
        case .console(let account):
            let roles = ConsoleRole.allCases.filter(command.consoleRoles.contains).map(\.rawValue)
            return roles.isEmpty
                ? "'\(command.rawValue)' is not available from the console; run it on the device with the facegate command"
                : "the \(account.role.rawValue) role may not run '\(command.rawValue)'; it needs the role \(roles.joined(separator: " or "))"
        }
    }

    /// Whether `caller` sees members' names: admins on the device; any console role
    /// (staff identify people at the door; the DPO finds a person's records).
    public func seesNames(_ caller: Caller) -> Bool {
        switch caller {
        case .user(let user): isAdmin(user)
        case .console: true
        }
    }

    /// Whether `caller` sees a member's incidents and deny-list status.
    func seesGovernance(_ caller: Caller) -> Bool {
        switch caller {
        case .user(let user): isAdmin(user)
        case .console(let account): account.role == .admin
        }
    }

    /// Runs one command for `caller` and shapes its result as the protocol's JSON. The
    /// one place a command meets its operation: the dispatcher checks access and audits
    /// around it.
    public func perform(_ command: AdminCommand, images: [ImageSource], caller: Caller, hub: HubReading? = nil) throws -> JSONValue {
        if servesDoor, command != .status {
            // An erasure another process made takes effect before anything is answered,
            // even while no face is in front of the camera (the door catches up itself
            // before each decision).
            do { try registry.catchUpWithErasures() } catch {
                logger.error("applying erasures from the journal failed", metadata: ["error": "\(error)"])
            }
        }
        switch command {
        case .status: return status()
        case .subjects(let names): return try subjects(caller: caller, includeNames: names)
        case .enrol(let request, let detector):
            return try enrol(images: images, request: request, detector: detector, caller: caller).json
        case .addPhotos(let subject, let detector):
            return try addPhotos(images: images, to: subject, detector: detector, caller: caller)
        case .identify(let detector):
            guard !images.isEmpty else { throw AdminError(.invalidRequest, "'identify' needs at least one image") }
            return .array(
                images.map { image in
                    do { return try identify(image, detector: detector, caller: caller) } catch let error as any UserFacingError {
                        return ["file": .string(image.name), "error": error.json]
                    } catch {
                        return ["file": .string(image.name), "error": UnexpectedError(error).json]
                    }
                })
        case .erase(let subject): return try erase(subject, caller: caller)
        case .withdraw(let subject, let purposes): return try withdraw(subject, purposes: purposes, caller: caller)
        case .purge: return try purge(caller: caller)
        case .exportConsentLog(let format): return try registry.exportConsentLog(format: format, actor: caller.actor).json
        case .exportAudit(let format): return try registry.exportAudit(format: format, actor: caller.actor).json
        case .exportFleetAudit: return try exportFleetAudit(hub, caller: caller)
        case .exportRecordOfProcessing(let format, let draft):
            return try registry.exportRecordOfProcessing(
                format: format, draft: draft,
                recipients: try FleetMembership.load(from: registry.location).map { [$0.recordOfProcessingRecipient] } ?? [],
                actor: caller.actor
            ).json
        case .exportImpactAssessment(let format): return try registry.exports.impactAssessment(format: format, actor: caller.actor).json
        case .exportSubject(let subject, let format):
            return try registry.exportSubjectAccess(subject, actor: caller.actor, format: format).json
        case .exportUndelivered(let export, let outcome, let reason):
            try registry.recordUndeliveredExport(export, outcome: outcome, reason: reason, actor: caller.actor)
            return ["recorded": true]
        case .auditVerify(let export, let publicKey): return try ExportVerification.verify(text: export, publicKey: publicKey).json
        case .auditCheck: return try registry.checkIntegrity().json
        case .backupPrepare: return try registry.prepareBackup()
        case .backupRecord(let destination, let epochs):
            return try registry.recordBackup(destination: destination, epochs: epochs, actor: caller.actor)
        case .policyReload: return try reloadPolicy(caller: caller)
        case .stats(let days, let names): return try statistics(days: days, names: names, caller: caller)
        case .health: return try health()
        case .incidentAdd(let subject, let category, let note):
            let (incident, proposed) = try registry.addIncident(subject, category: category, note: note, actor: caller.actor)
            return ["incident": incident.json, "proposed_entry": proposed?.json ?? .null]
        case .denyListList(let subject):
            try registry.requireDenyList()
            return [
                "entries": .array(
                    try registry.denyListEntries(of: subject).map { entry in
                        var object = entry.json.objectValue ?? [:]
                        object["review_soon"] = .bool(registry.denyList.isReviewNear(entry))
                        object["evidence_recorded_by"] = .array(try registry.denyList.evidenceRecorders(of: entry).map(JSONValue.string))
                        object["review"] = .array(try registry.denyList.review(of: entry).map(JSONValue.string))
                        return .object(object)
                    })
            ]
        case .denyListPropose(let subject, let reason, let evidence):
            return try registry.proposeDenyListEntry(subject, reason: reason, evidence: evidence, actor: caller.actor).json
        case .denyListApprove(let entry, let reason):
            return try registry.approveDenyListEntry(entry, reason: reason, actor: caller.actor).json
        case .denyListReject(let entry, let reason):
            return try registry.rejectDenyListEntry(entry, reason: reason, actor: caller.actor).json
        case .denyListLift(let entry, let reason):
            return try registry.liftDenyListEntry(entry, reason: reason, actor: caller.actor).json
        case .denyListRenew(let entry, let reason): return try registry.renewDenyListEntry(entry, reason: reason, actor: caller.actor).json
        case .denyListEnable(let reference, let reason):
            return try registry.denyList.enable(dpiaReference: reference, reason: reason, actor: caller.actor).json
        case .denyListDisable(let reason): return try registry.denyList.disable(reason: reason, actor: caller.actor).json
        case .doorConfirm(let alert, let decision, let reason):
            return try registry.confirmAlert(alert, decision: decision, reason: reason, actor: caller.actor).json
        case .doorAlerts: return ["alerts": .array(try registry.alerts().filter { $0.status == .open }.map(\.json))]
        case .doorClaim(let card): return try claim(card: card)
        case .doorAdmit(let card): return try admit(card: card)
        case .cardSet(let subject, let card):
            try registry.cards.set(card, for: subject, actor: caller.actor)
            return ["subject": .string(subject.rawValue), "card": "set"]
        case .cardClear(let subject):
            return ["subject": .string(subject.rawValue), "cleared": .bool(try registry.cards.clear(subject, actor: caller.actor))]
        case .cardPanel(let subject):
            let issuing = try registry.policy.panelCredentialFormat()
            var answer =
                try registry.panelCredentials.credential(
                    of: subject, issuing: issuing.format, facility: issuing.facility, actor: caller.actor.name
                ).json.objectValue ?? [:]
            answer["subject"] = .string(subject.rawValue)
            return .object(answer)
        case .consoleUserAdd(let name, let role, let person, let password):
            return try addConsoleUser(name, role: role, person: person, password: password, caller: caller)
        case .consoleUserRemove(let name): return try removeConsoleUser(name, caller: caller)
        case .consoleUserList: return try consoleUsers()
        case .consoleUserPassword(let name, let password): return try setConsolePassword(name, password: password, caller: caller)
        case .consoleUserRole(let name, let role): return try setConsoleRole(name, role: role, caller: caller)
        case .consoleTokenAdd(let name, let role): return try addConsoleToken(name, role: role, caller: caller)
        case .consoleTokenRevoke(let id): return try revokeConsoleToken(id, caller: caller)
        }
    }

    static func rounded(_ value: Float) -> Double { (Double(value) * 10_000).rounded() / 10_000 }
}

extension ExportDocument {
    /// `{"format":"jsonl","content":"…"}`: how an export travels over the socket.
    public var json: JSONValue { ["format": .string(format.rawValue), "content": .string(text)] }
}
