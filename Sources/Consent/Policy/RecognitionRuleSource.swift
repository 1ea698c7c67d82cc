/// Where the door's threshold and margin come from: the policy's `[recognition] rule`.
public enum RecognitionRuleSource: String, Sendable, Equatable, CaseIterable {
    /// Derived from `stranger_one_in`, the shipped calibration and the gallery's size
    /// (`RecognitionRule`): the threshold at most `threshold`, the margin at least
    /// `margin`.
    case derived
    /// `threshold` and `margin` as written, whatever the gallery's size: for a venue
    /// that measured its own operating point. Doctor still shows what it costs.
    case fixed
}

extension Policy.Recognition {
    /// The `[recognition]` defaults (those of policy/default.toml), for a tool that
    /// derives the door's rule without a policy file (`evaluate --stranger-one-in`).
    public static let defaults = Policy.Recognition(
        threshold: 0.6, margin: 0.04, minFacePixels: 80, upsample: 0, voteFrames: 3, recheckFrames: 15, lowLightLuma: 70,
        trigger: .zone, zone: .default, zoneMinFaceFraction: 0.2, zoneDwellFrames: 9, claimSeconds: 10, dpiaReference: "")
}
