import FacegateCore
import FoundationEssentials
import Vault

extension Policy {
    /// The environment variable naming the policy file.
    public static let environmentVariable = "FACEGATE_POLICY"

    /// Where the policy is looked for when none is given.
    public static func defaultPath(environment: [String: String]) -> String {
        if let path = environment[environmentVariable], !path.isEmpty { return path }
        for candidate in ["/etc/facegate/policy.toml", "policy/default.toml"] where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        return "/etc/facegate/policy.toml"
    }

    /// Loads and validates the policy at `path`; notice files are read relative to it.
    public static func load(path: String) throws -> Policy {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConsentError(.invalidPolicy, "cannot read the policy file '\(path)'; pass --policy FILE or set \(environmentVariable)")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Parses and validates policy text; `path` names it in errors and anchors notice files.
    public static func parse(_ text: String, path: String) throws -> Policy {
        var root = try PolicyReader(try TOMLDocument.parse(text, path: path), path: "")
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? ""

        var applianceTable = try root.table("appliance")!
        let appliance = Appliance(
            stateDirectory: try applianceTable.string("state_dir", default: Appliance.defaultStateDirectory),
            adminGroup: try applianceTable.string("admin_group", default: "facegate-admin"),
            serviceUser: try applianceTable.string("service_user", default: "facegate"),
            socketPath: try applianceTable.optionalString("socket"),
            source: try applianceTable.optionalString("source"),
            sourceUser: try applianceTable.optionalString("source_user"),
            relayCommand: try applianceTable.optionalString("relay_command"),
            relayTimeoutSeconds: try applianceTable.number(
                "relay_timeout_seconds", default: 5, range: PolicyRange.relayTimeoutSeconds, unit: "seconds"))
        try applianceTable.rejectUnknownKeys()

        var controllerTable = try root.table("controller")!
        let controller = Controller(
            name: try controllerTable.string("name"),
            address: try controllerTable.string("address"),
            contact: try controllerTable.string("contact"),
            dpoContact: try controllerTable.string("dpo_contact"),
            supervisoryAuthority: try controllerTable.string("supervisory_authority"))
        try controllerTable.rejectUnknownKeys()

        var recognitionTable = try root.table("recognition")!
        let recognition = Recognition(
            threshold: try recognitionTable.number(
                "threshold", default: 0.6, range: PolicyRange.threshold, unit: "(a face distance; 0.6 is dlib's own)"),
            margin: try recognitionTable.number("margin", default: 0.04, range: PolicyRange.margin, unit: "(a face distance)"),
            minFacePixels: try recognitionTable.integer("min_face_px", default: 80, range: PolicyRange.minFacePixels),
            upsample: try recognitionTable.integer("upsample", default: 0, range: PolicyRange.upsample),
            voteFrames: try recognitionTable.integer("vote_frames", default: 3, range: PolicyRange.voteFrames),
            recheckFrames: try recognitionTable.integer("recheck_frames", default: 15, range: PolicyRange.recheckFrames),
            lowLightLuma: try recognitionTable.number("low_light_luma", default: 70, range: PolicyRange.lowLightLuma, unit: "(mean luma)"),
            trigger: try recognitionTable.trigger(),
            zone: try recognitionTable.zone(),
            zoneMinFaceFraction: try recognitionTable.number(
                "zone_min_face_fraction", default: 0.2, range: PolicyRange.zoneMinFaceFraction, unit: "(of the frame's width)"),
            zoneDwellFrames: try recognitionTable.integer(
                "zone_dwell_frames", default: Policy.Recognition.defaults.zoneDwellFrames, range: PolicyRange.zoneDwellFrames),
            claimSeconds: try recognitionTable.number("claim_seconds", default: 10, range: PolicyRange.claimSeconds, unit: "seconds"),
            dpiaReference: String(try recognitionTable.string("dpia_reference", default: "").trimmingWhiteSpace),
            rule: try recognitionTable.ruleSource(),
            strangerOneIn: try recognitionTable.integer("stranger_one_in", default: 1000, range: PolicyRange.strangerOneIn),
            maxFNIR: try recognitionTable.number("max_fnir", default: 0.2, range: PolicyRange.maxFNIR, unit: "(a share of approaches)"))
        try recognitionTable.rejectUnknownKeys()
        guard recognition.margin < recognition.threshold else {
            throw ConsentError(.invalidPolicy, "policy: 'recognition.margin' must be below the threshold (got \(recognition.margin))")
        }
        if recognition.trigger == .always && recognition.dpiaReference.isEmpty {
            throw ConsentError(
                .invalidPolicy,
                "policy: 'recognition.trigger' is \"always\" (every face the camera sees is compared), which needs 'recognition.dpia_reference': the data-protection impact assessment that justifies it. Set it, or use \"zone\" or \"claim\""
            )
        }

        var retentionTable = try root.table("retention")!
        let retention = Retention(
            templateDays: try retentionTable.number("template_days", default: 365, range: PolicyRange.templateDays, unit: "days"),
            accessEventDays: try retentionTable.number("access_event_days", default: 180, range: PolicyRange.accessEventDays, unit: "days"),
            sweepIntervalMinutes: try retentionTable.number(
                "sweep_interval_minutes", default: 60, range: PolicyRange.sweepIntervalMinutes, unit: "minutes"),
            backupDays: try retentionTable.number("backup_days", default: 30, range: PolicyRange.backupDays, unit: "days"))
        try retentionTable.rejectUnknownKeys()

        var purposesTable = try root.table("purposes")!
        var purposes: [Purpose] = []
        for id in purposesTable.markAllRead().sorted() {
            guard !id.isEmpty, id.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 95 }) else {
                throw ConsentError(.invalidPolicy, "policy: purpose '\(id)' must use only lowercase letters, digits, '-' and '_'")
            }
            var entry = try PolicyReader(purposesTable.table[id], path: "purposes.\(id)")
            purposes.append(Purpose(id: id, description: try entry.string("description"), legalBasis: try entry.string("legal_basis")))
            try entry.rejectUnknownKeys()
        }
        guard !purposes.isEmpty else { throw ConsentError(.invalidPolicy, "policy: '[purposes]' declares no purpose") }

        var consentTable = try root.table("consent")!
        let consent = ConsentRules(
            methods: try consentTable.strings("methods", default: ["signed-form", "tablet"]),
            requiredPurpose: try consentTable.string("required_purpose", default: "entry"),
            memberFields: try consentTable.strings("member_fields", default: ConsentRules.defaultMemberFields))
        try consentTable.rejectUnknownKeys()
        for key in consent.memberFields
        where key.isEmpty || key.utf8.count > 40
            || !key.utf8.allSatisfy({
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || $0 == UInt8(ascii: "_")
            })
        {
            throw ConsentError(
                .invalidPolicy, "policy: 'consent.member_fields' holds \"\(key)\"; a field key is 1 to 40 characters of a-z, 0-9 and _")
        }
        guard purposes.contains(where: { $0.id == consent.requiredPurpose }) else {
            throw ConsentError(
                .invalidPolicy, "policy: 'consent.required_purpose' names '\(consent.requiredPurpose)', which is not in [purposes]")
        }

        var notices: [Notice] = []
        for var table in try root.tables("notices") {
            let version = try table.string("version")
            let file = try table.string("file")
            let noticePurposes = try table.strings("purposes")
            try table.rejectUnknownKeys()
            let notice = try loadNotice(
                version: version, file: file, purposes: noticePurposes, relativeTo: directory, key: table.path, controller: controller)
            for purpose in noticePurposes where !purposes.contains(where: { $0.id == purpose }) {
                throw ConsentError(.invalidPolicy, "policy: '\(table.path).purposes' names '\(purpose)', which is not in [purposes]")
            }
            guard !notices.contains(where: { $0.version == version }) else {
                throw ConsentError(.invalidPolicy, "policy: notice version '\(version)' is declared twice")
            }
            notices.append(notice)
        }
        guard !notices.isEmpty else {
            throw ConsentError(.invalidPolicy, "policy: no consent notice is declared ([[notices]]); enrolment needs one")
        }

        var auditTable = try root.table("audit", required: false)
        let audit = Audit(
            checkpointEvery: try auditTable?.integer("checkpoint_every", default: 100, range: PolicyRange.checkpointEvery) ?? 100)
        try auditTable?.rejectUnknownKeys()

        var denyTable = try root.table("denylist")!
        var rules: [DenyList.Rule] = []
        for var rule in try denyTable.tables("rules") {
            rules.append(
                DenyList.Rule(
                    category: try rule.string("category"),
                    incidents: try rule.integer("incidents", range: PolicyRange.ruleIncidents),
                    windowDays: try rule.number("window_days", range: PolicyRange.ruleWindowDays, unit: "days")))
            try rule.rejectUnknownKeys()
        }
        let denyList = DenyList(
            enabled: try denyTable.bool("enabled", default: false),
            dpiaReference: try denyTable.string("dpia_reference", default: ""),
            approvalsRequired: try denyTable.integer("approvals_required", default: 2, range: PolicyRange.approvalsRequired),
            reviewDays: try denyTable.number("review_days", default: 90, range: PolicyRange.reviewDays, unit: "days"),
            alertTimeoutSeconds: try denyTable.number(
                "alert_timeout_seconds", default: 120, range: PolicyRange.alertTimeoutSeconds, unit: "seconds"),
            categories: try denyTable.strings("categories", default: ["violence", "harassment", "theft"]),
            rules: rules)
        try denyTable.rejectUnknownKeys()
        for rule in rules where !denyList.categories.contains(rule.category) {
            throw ConsentError(
                .invalidPolicy, "policy: a deny-list rule names category '\(rule.category)', which is not in 'denylist.categories'")
        }

        var ropaTable = try root.table("record_of_processing")!
        let ropa = RecordOfProcessing(
            dataSubjectCategories: try ropaTable.strings("data_subject_categories"),
            personalDataCategories: try ropaTable.strings("personal_data_categories"),
            recipients: try ropaTable.strings("recipients"),
            transfers: try ropaTable.string("transfers"),
            securityMeasures: try ropaTable.strings("security_measures"))
        try ropaTable.rejectUnknownKeys()

        let console = try Self.console(try root.table("console", required: false))
        let fleet = try Self.fleet(try root.table("fleet", required: false))
        let osdp = try Self.osdp(try root.table("osdp", required: false))
        let mqtt = try Self.mqtt(try root.table("mqtt", required: false))
        if osdp.reader != nil, recognition.trigger != .claim {
            throw ConsentError(
                .invalidPolicy,
                "policy: '[osdp.reader]' turns a card read into a claim, which needs [recognition] trigger = \"claim\" (it is \"\(recognition.trigger.rawValue)\")"
            )
        }

        try root.rejectUnknownKeys()
        return Policy(
            appliance: appliance, controller: controller, recognition: recognition, retention: retention,
            consent: consent, purposes: purposes, notices: notices, audit: audit, denyList: denyList,
            recordOfProcessing: ropa, console: console, fleet: fleet, osdp: osdp.panel, osdpReader: osdp.reader, mqtt: mqtt,
            sourcePath: path)
    }

    /// `[fleet]` (optional: a single box never reads it).
    private static func fleet(_ table: PolicyReader?) throws -> Fleet {
        guard var table else { return .defaults }
        let fleet = Fleet(
            maxOfflineMinutes: try table.number(
                "max_offline_minutes", default: Fleet.defaults.maxOfflineMinutes, range: PolicyRange.maxOfflineMinutes, unit: "minutes"))
        try table.rejectUnknownKeys()
        return fleet
    }

    /// `[console]` (optional: the defaults serve the console on loopback only).
    private static func console(_ table: PolicyReader?) throws -> Console {
        guard var table else { return .defaults }
        let defaults = Console.defaults
        let text = try table.string("listen", default: defaults.listen.description)
        guard let listen = ConsoleListen(parsing: text) else {
            throw ConsentError(
                .invalidPolicy, "policy: 'console.listen' is \"\(text)\"; use \"off\" or HOST:PORT (for example \"127.0.0.1:8080\")")
        }
        let console = Console(
            listen: listen,
            tlsCertificate: try table.optionalString("tls_certificate"),
            tlsKey: try table.optionalString("tls_key"),
            sessionIdleMinutes: try table.number(
                "session_idle_minutes", default: defaults.sessionIdleMinutes, range: PolicyRange.sessionIdleMinutes, unit: "minutes"),
            sessionHours: try table.number("session_hours", default: defaults.sessionHours, range: PolicyRange.sessionHours, unit: "hours"),
            loginAttempts: try table.integer("login_attempts", default: defaults.loginAttempts, range: PolicyRange.loginAttempts),
            lockoutMinutes: try table.number(
                "lockout_minutes", default: defaults.lockoutMinutes, range: PolicyRange.lockoutMinutes, unit: "minutes"),
            maxUploadMB: try table.integer("max_upload_mb", default: defaults.maxUploadMB, range: PolicyRange.maxUploadMB),
            hostNames: try table.strings("host_names", default: defaults.hostNames).map { $0.trimmingWhiteSpace.lowercased() })
        try table.rejectUnknownKeys()
        for name in console.hostNames where !ConsoleListen.isHostName(name) {
            throw ConsentError(
                .invalidPolicy,
                "policy: 'console.host_names' holds \"\(name)\", not a host name; list names such as \"door1.venue.example\" (no scheme, port or path)"
            )
        }
        guard (console.tlsCertificate == nil) == (console.tlsKey == nil) else {
            throw ConsentError(.invalidPolicy, "policy: 'console.tls_certificate' and 'console.tls_key' go together; set both or neither")
        }
        return console
    }

    /// The placeholders a notice file may use for the controller, filled from the
    /// policy's `[controller]`: one place names the venue, for the record of processing
    /// and for the text people read (whose hash is of the text as filled).
    static func renderingController(_ text: String, _ controller: Controller) -> String {
        [
            ("{{controller.name}}", controller.name), ("{{controller.address}}", controller.address),
            ("{{controller.contact}}", controller.contact), ("{{controller.dpo_contact}}", controller.dpoContact),
            ("{{controller.supervisory_authority}}", controller.supervisoryAuthority),
        ].reduce(text) { text, pair in text.replacing(pair.0, with: pair.1) }
    }

    private static func loadNotice(
        version: String, file: String, purposes: [String], relativeTo directory: String, key: String, controller: Controller
    ) throws -> Notice {
        let path = file.hasPrefix("/") ? file : (directory.isEmpty ? file : directory + "/" + file)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConsentError(
                .invalidPolicy,
                "policy: the notice file '\(path)' of '\(key)' (version \(version)) is missing; every notice must exist as a file")
        }
        guard !version.isEmpty else { throw ConsentError(.invalidPolicy, "policy: '\(key).version' is empty") }
        guard !purposes.isEmpty else { throw ConsentError(.invalidPolicy, "policy: '\(key).purposes' is empty") }
        let bytes = Array(renderingController(String(decoding: data, as: UTF8.self), controller).utf8)
        return Notice(
            version: version, path: path, sha256: Hex.encode(SHA256.hash(bytes)), purposes: purposes,
            text: String(decoding: bytes, as: UTF8.self))
    }
}
