/// The appliance's policy: what it may recognise, for which purposes, how long it
/// keeps things, who governs the deny-list, and what the DPO's record of processing
/// says. Loaded from `policy/default.toml` (or `--policy FILE`) and validated at
/// start: an unknown key, a negative duration or a missing notice is an error.
public struct Policy: Sendable, Equatable {
    public var appliance: Appliance
    public var controller: Controller
    public var recognition: Recognition
    public var retention: Retention
    public var consent: ConsentRules
    public var purposes: [Purpose]
    public var notices: [Notice]
    public var audit: Audit
    public var denyList: DenyList
    public var recordOfProcessing: RecordOfProcessing
    public var console: Console
    public var fleet: Fleet
    /// The link to the venue's access panel, when the door has one.
    public var osdp: OSDP?
    /// The card reader facegate polls for claims, when the door has one.
    public var osdpReader: OSDPCardReader?
    /// The broker the door's events are published to, when the venue has one.
    public var mqtt: MQTT?
    /// The file this policy was read from.
    public var sourcePath: String

    public struct Appliance: Sendable, Equatable {
        /// Where the state lives when neither the policy nor the command line says.
        public static let defaultStateDirectory = "/var/lib/facegate"

        public var stateDirectory: String
        /// Members of this group (and root, and the service user) may use admin commands.
        public var adminGroup: String
        public var serviceUser: String
        /// The admin socket, when the policy names one; otherwise it is derived (see
        /// `AdminSocketPath`).
        public var socketPath: String?
        /// The frame source `run` uses when `--source` is not given.
        public var source: String?
        /// The user an IP camera (`rtsp://`) asks for; its password is never in the
        /// policy, only in the systemd credential `facegate-rtsp-password`.
        public var sourceUser: String?
        /// A command run for each `member` decision, with the decision in its
        /// environment (a door relay). Never run for `alert` or `unknown`.
        public var relayCommand: String?
        /// How long the relay command may run before its process group is killed.
        public var relayTimeoutSeconds: Double
    }

    public struct Controller: Sendable, Equatable {
        public var name: String
        public var address: String
        public var contact: String
        public var dpoContact: String
        public var supervisoryAuthority: String
    }

    public struct Recognition: Sendable, Equatable {
        /// Distance below which a face matches a subject: the highest the derived rule
        /// may use, or the rule itself when `rule` is `fixed`.
        public var threshold: Double
        /// How much closer the best subject must be than the second best: the least
        /// the derived rule may use, or the rule itself when `rule` is `fixed`.
        public var margin: Double
        /// Faces narrower than this are never aligned or embedded.
        public var minFacePixels: Int
        public var upsample: Int
        /// Frames of one track that vote before a decision.
        public var voteFrames: Int
        /// A decided track is embedded again every this many frames.
        public var recheckFrames: Int
        /// Mean luminance (0-255) below which low-light enhancement runs.
        public var lowLightLuma: Double
        /// Who is processed: see `DoorTrigger`.
        public var trigger: DoorTrigger
        /// The door zone, as fractions of the frame: a face counts as inside when its
        /// centre is.
        public var zone: DoorZone
        /// A face narrower than this fraction of the frame's width is too far from the
        /// door to be someone stepping up to it.
        public var zoneMinFaceFraction: Double
        /// Frames a face must stay inside the zone, still and no longer growing, before it
        /// is processed (and at least as long as they last at 15 fps).
        public var zoneDwellFrames: Int
        /// How long a claimed identity (`door claim`) waits for a face.
        public var claimSeconds: Double
        /// The data-protection impact assessment that justifies `trigger = "always"`.
        public var dpiaReference: String
        /// Whether the door derives its threshold and margin (`RecognitionRule`) or
        /// takes them as written.
        public var rule: RecognitionRuleSource = .derived
        /// The risk accepted: at most one stranger in this many approaches is named as
        /// a member.
        public var strangerOneIn: Int = 1000
        /// The share of members' approaches the door may fail to name before 1:N is
        /// called unusable at this gallery size (and claim mode advised).
        public var maxFNIR: Double = 0.2
    }

    public struct Retention: Sendable, Equatable {
        public var templateDays: Double
        public var accessEventDays: Double
        public var sweepIntervalMinutes: Double
        /// How long a backup can bring back a subject erased after it was taken: the
        /// key epochs it needs are destroyed this many days after the erasure.
        public var backupDays: Double
    }

    public struct ConsentRules: Sendable, Equatable {
        /// How consent may be given (`signed-form`, `tablet`, ...).
        public var methods: [String]
        /// The purpose every enrolment must include (recognition at the door).
        public var requiredPurpose: String
        /// The membership fields an enrolment may record beside the name (keys of
        /// `[a-z0-9_]`); any other key is refused, so what is stored about a person is
        /// what the record of processing lists.
        public var memberFields: [String] = ConsentRules.defaultMemberFields

        public static let defaultMemberFields = ["membership_number"]
        /// The longest display name and membership field value, in characters.
        public static let maximumNameLength = 100
        public static let maximumFieldLength = 200
    }

    public struct Purpose: Sendable, Equatable {
        public var id: String
        public var description: String
        public var legalBasis: String
    }

    public struct Audit: Sendable, Equatable {
        /// A signed checkpoint every this many entries (and at every export).
        public var checkpointEvery: Int
    }

    public struct DenyList: Sendable, Equatable {
        public var enabled: Bool
        /// The data-protection impact assessment that justifies the deny-list.
        public var dpiaReference: String
        public var approvalsRequired: Int
        public var reviewDays: Double
        public var alertTimeoutSeconds: Double
        public var categories: [String]
        public var rules: [Rule]

        /// A rule that proposes an entry: `incidents` incidents of `category` within `windowDays`.
        public struct Rule: Sendable, Equatable {
            public var category: String
            public var incidents: Int
            public var windowDays: Double
        }

        /// Enabled and justified by a DPIA: the only state in which deny-list commands work.
        public var isActive: Bool { enabled && !dpiaReference.isEmpty }
    }

    public struct RecordOfProcessing: Sendable, Equatable {
        public var dataSubjectCategories: [String]
        public var personalDataCategories: [String]
        public var recipients: [String]
        public var transfers: String
        public var securityMeasures: [String]
    }

    /// The web console (`facegate run` serves it; `run --console` overrides `listen`).
    public struct Console: Sendable, Equatable {
        public var listen: ConsoleListen
        /// PEM files; required when `listen` is not a loopback address.
        public var tlsCertificate: String?
        public var tlsKey: String?
        /// A session ends after this long without a request, and after `sessionHours` in all.
        public var sessionIdleMinutes: Double
        public var sessionHours: Double
        /// Wrong passwords of an account from one address before each further try waits
        /// (from 30 s, doubling with every failure up to `lockoutMinutes`); four times as
        /// many from all addresses together (`LoginThrottle`).
        public var loginAttempts: Int
        public var lockoutMinutes: Double
        /// The largest request body (one photo or several) the console accepts.
        public var maxUploadMB: Int
        /// The host names browsers reach the console by (a certificate's names), beside
        /// IP addresses and, on loopback, `localhost`: a request naming any other host
        /// is refused, so a page whose name was rebound to this box reads nothing.
        public var hostNames: [String] = []

        public static let defaults = Console(
            listen: .loopbackDefault, tlsCertificate: nil, tlsKey: nil, sessionIdleMinutes: 30, sessionHours: 12, loginAttempts: 5,
            lockoutMinutes: 15, maxUploadMB: 25, hostNames: [])
    }

    /// `[fleet]`: read only by a door that joined a fleet (`facegate fleet join`).
    public struct Fleet: Sendable, Equatable {
        /// A door that has not heard from the hub for this long stops deciding
        /// `member`: it can no longer promise that erasures made elsewhere reached it.
        public var maxOfflineMinutes: Double

        public static let defaults = Fleet(maxOfflineMinutes: 15)
    }

    public func purpose(_ id: String) -> Purpose? { purposes.first { $0.id == id } }
    public func notice(version: String) -> Notice? { notices.first { $0.version == version } }
}

/// A consent notice: the text a person read before consenting. Its version and the
/// SHA-256 of its exact bytes go into every consent record.
public struct Notice: Sendable, Equatable {
    public var version: String
    public var path: String
    public var sha256: String
    public var purposes: [String]
    public var text: String
}
