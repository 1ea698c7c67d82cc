/// The range of every numeric key of the policy, in one place. `Policy.parse` checks
/// them, so `facegate run`, `policy reload` and `doctor` all refuse a value outside
/// with the key named (exit 78); `policy/default.toml` documents them beside each key.
///
/// Why these bounds: a threshold outside 0.3–0.7 either rejects the same person in
/// two photos or admits strangers (at 0.7 dlib's false-accept rate on the shared set
/// is already several percent; 1.9 admits everyone); durations are capped at ten
/// years so that no date computed from them leaves the years a timestamp can hold.
enum PolicyRange {
    static let threshold = 0.3...0.7
    static let margin = 0.0...0.2
    /// From one stranger in 100 approaches (a door that a guard watches) to one in a
    /// million (beyond what any calibration of a few thousand people can show).
    static let strangerOneIn = 100...1_000_000
    /// Below 1% no single-photo gallery qualifies; above 90% the door names nobody.
    static let maxFNIR = 0.01...0.9
    static let minFacePixels = 20...2000
    static let upsample = 0...2
    static let voteFrames = 1...60
    static let recheckFrames = 1...10_000
    static let lowLightLuma = 0.0...255.0
    static let templateDays = 1.0...3650.0
    static let accessEventDays = 1.0...3650.0
    static let sweepIntervalMinutes = 1.0...1440.0
    static let backupDays = 1.0...3650.0
    static let checkpointEvery = 1...1_000_000
    static let approvalsRequired = 2...10
    static let reviewDays = 1.0...3650.0
    static let alertTimeoutSeconds = 5.0...86_400.0
    static let ruleIncidents = 1...100
    static let ruleWindowDays = 1.0...3650.0
    static let relayTimeoutSeconds = 0.5...300.0
    /// Fractions of the frame.
    static let zoneEdge = 0.0...1.0
    /// Below 0.02 a face is a few pixels wide on any camera: no longer a person at the
    /// door; above 0.8 nobody could ever be processed (a face filling the frame is cut off).
    static let zoneMinFaceFraction = 0.02...0.8
    /// The zone's least width and height, as fractions of the frame: a smaller one is
    /// a typing slip that would turn recognition off without a word.
    static let zoneMinimumSide = 0.1
    /// At least 9 frames (0.53 s at 15 fps, `DoorGate.minimumSeconds`): asking is
    /// stopping for a moment, not passing through the spot; up to 20 s at 15 fps.
    static let zoneDwellFrames = 9...300
    static let claimSeconds = 1.0...300.0
    /// From 6 seconds (a test, or a door that must never miss an erasure) to a day.
    static let maxOfflineMinutes = 0.1...1440.0
    /// Console sessions: idle from 5 minutes (a door tablet) to 12 hours (a shift).
    static let sessionIdleMinutes = 5.0...720.0
    static let sessionHours = 1.0...72.0
    /// Below 3 a typing slip locks a person out; above 20 guessing gets cheap.
    static let loginAttempts = 3...20
    static let lockoutMinutes = 1.0...1440.0
    /// A 36-megapixel phone photo is under 20 MB as JPEG; 64 MB bounds what a request
    /// may make the daemon hold.
    static let maxUploadMB = 1...64
    /// 127 (0x7F) is OSDP's broadcast address.
    static let osdpAddress = 0...126
}
