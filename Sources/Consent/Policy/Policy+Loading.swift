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
            stateDirectory: try applianceTable.string("state_dir", default: "/var/lib/facegate"),
            adminGroup: try applianceTable.string("admin_group", default: "facegate-admin"),
            serviceUser: try applianceTable.string("service_user", default: "facegate"),
            socketPath: try applianceTable.string("socket", default: "/run/facegate/admin.sock"),
            source: try applianceTable.optionalString("source"),
            relayCommand: try applianceTable.optionalString("relay_command"))
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
        let threshold = try recognitionTable.positive("threshold", default: 0.6, unit: "distance units")
        let recognition = Recognition(
            threshold: threshold,
            margin: try recognitionTable.number("margin", default: 0.04),
            minFacePixels: try recognitionTable.integer("min_face_px", default: 80, range: 20...2000),
            upsample: try recognitionTable.integer("upsample", default: 0, range: 0...2),
            voteFrames: try recognitionTable.integer("vote_frames", default: 3, range: 1...60),
            recheckFrames: try recognitionTable.integer("recheck_frames", default: 15, range: 1...10_000),
            lowLightLuma: try recognitionTable.number("low_light_luma", default: 70))
        try recognitionTable.rejectUnknownKeys()
        guard recognition.threshold < 2 else {
            throw ConsentError(.invalidPolicy, "policy: 'recognition.threshold' must be below 2 (dlib's descriptors are unit vectors); 0.6 is dlib's own")
        }
        guard recognition.margin >= 0, recognition.margin < recognition.threshold else {
            throw ConsentError(.invalidPolicy, "policy: 'recognition.margin' must be between 0 and the threshold (got \(recognition.margin))")
        }
        guard (0...255).contains(recognition.lowLightLuma) else {
            throw ConsentError(.invalidPolicy, "policy: 'recognition.low_light_luma' must be between 0 and 255")
        }

        var retentionTable = try root.table("retention")!
        let retention = Retention(
            templateDays: try retentionTable.positive("template_days", default: 365, unit: "days"),
            accessEventDays: try retentionTable.positive("access_event_days", default: 180, unit: "days"),
            sweepIntervalMinutes: try retentionTable.positive("sweep_interval_minutes", default: 60, unit: "minutes"),
            backupDays: try retentionTable.positive("backup_days", default: 30, unit: "days"))
        try retentionTable.rejectUnknownKeys()
        guard retention.backupDays <= 3650 else {
            throw ConsentError(.invalidPolicy, "policy: 'retention.backup_days' must be at most 3650 days (got \(retention.backupDays)); backups must expire")
        }

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
            requiredPurpose: try consentTable.string("required_purpose", default: "entry"))
        try consentTable.rejectUnknownKeys()
        guard purposes.contains(where: { $0.id == consent.requiredPurpose }) else {
            throw ConsentError(.invalidPolicy, "policy: 'consent.required_purpose' names '\(consent.requiredPurpose)', which is not in [purposes]")
        }

        var notices: [Notice] = []
        for var table in try root.tables("notices") {
            let version = try table.string("version")
            let file = try table.string("file")
            let noticePurposes = try table.strings("purposes")
            try table.rejectUnknownKeys()
            let notice = try loadNotice(version: version, file: file, purposes: noticePurposes, relativeTo: directory, key: table.path)
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
        let audit = Audit(checkpointEvery: try auditTable?.integer("checkpoint_every", default: 100, range: 1...1_000_000) ?? 100)
        try auditTable?.rejectUnknownKeys()

        var denyTable = try root.table("denylist")!
        var rules: [DenyList.Rule] = []
        for var rule in try denyTable.tables("rules") {
            rules.append(DenyList.Rule(
                category: try rule.string("category"),
                incidents: try rule.integer("incidents", range: 1...100),
                windowDays: try rule.positive("window_days", unit: "days")))
            try rule.rejectUnknownKeys()
        }
        let denyList = DenyList(
            enabled: try denyTable.bool("enabled", default: false),
            dpiaReference: try denyTable.string("dpia_reference", default: ""),
            approvalsRequired: try denyTable.integer("approvals_required", default: 2, range: 1...10),
            reviewDays: try denyTable.positive("review_days", default: 90, unit: "days"),
            alertTimeoutSeconds: try denyTable.positive("alert_timeout_seconds", default: 120, unit: "seconds"),
            categories: try denyTable.strings("categories", default: ["violence", "harassment", "theft"]),
            rules: rules)
        try denyTable.rejectUnknownKeys()
        for rule in rules where !denyList.categories.contains(rule.category) {
            throw ConsentError(.invalidPolicy, "policy: a deny-list rule names category '\(rule.category)', which is not in 'denylist.categories'")
        }

        var ropaTable = try root.table("record_of_processing")!
        let ropa = RecordOfProcessing(
            dataSubjectCategories: try ropaTable.strings("data_subject_categories"),
            personalDataCategories: try ropaTable.strings("personal_data_categories"),
            recipients: try ropaTable.strings("recipients"),
            transfers: try ropaTable.string("transfers"),
            securityMeasures: try ropaTable.strings("security_measures"))
        try ropaTable.rejectUnknownKeys()

        try root.rejectUnknownKeys()
        return Policy(
            appliance: appliance, controller: controller, recognition: recognition, retention: retention,
            consent: consent, purposes: purposes, notices: notices, audit: audit, denyList: denyList,
            recordOfProcessing: ropa, sourcePath: path)
    }

    private static func loadNotice(version: String, file: String, purposes: [String], relativeTo directory: String, key: String) throws -> Notice {
        let path = file.hasPrefix("/") ? file : (directory.isEmpty ? file : directory + "/" + file)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConsentError(.invalidPolicy, "policy: the notice file '\(path)' of '\(key)' (version \(version)) is missing; every notice must exist as a file")
        }
        guard !version.isEmpty else { throw ConsentError(.invalidPolicy, "policy: '\(key).version' is empty") }
        guard !purposes.isEmpty else { throw ConsentError(.invalidPolicy, "policy: '\(key).purposes' is empty") }
        let bytes = [UInt8](data)
        return Notice(version: version, path: path, sha256: Hex.encode(SHA256.hash(bytes)), purposes: purposes, text: String(decoding: bytes, as: UTF8.self))
    }
}
