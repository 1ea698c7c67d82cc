import Synchronization

/// The last derived rule, kept until the gallery's size or the policy changes: a
/// derivation integrates the calibration a few thousand times (about a millisecond),
/// too much for every face at the door, and the answer moves only when members are
/// enrolled or erased.
public final class RecognitionRuleCache: Sendable {
    let calibration: RecognitionCalibration
    private let last = Mutex<RecognitionRule?>(nil)
    private let lastPolicy = Mutex<Policy.Recognition?>(nil)

    public init(calibration: RecognitionCalibration = .shipped) {
        self.calibration = calibration
    }

    /// The rule for `members` members under `recognition`.
    public func rule(for recognition: Policy.Recognition, members: Int) -> RecognitionRule {
        if let cached = last.withLock({ $0 }), cached.members == members, lastPolicy.withLock({ $0 }) == recognition {
            return cached
        }
        let rule = RecognitionRule(recognition: recognition, members: members, calibration: calibration)
        last.withLock { $0 = rule }
        lastPolicy.withLock { $0 = recognition }
        return rule
    }
}
