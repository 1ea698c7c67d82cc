import Synchronization

/// Derived rules, kept until the policy changes: a derivation integrates the
/// calibration a few thousand times (a millisecond in a release build, tens in a debug
/// one), too much for every face at the door or every `status`, and the answer moves
/// only when members are enrolled or erased. At most `capacity` gallery sizes are
/// kept; the oldest goes first.
public final class RecognitionRuleCache: Sendable {
    let calibration: RecognitionCalibration
    private let state = Mutex<(policy: Policy.Recognition?, rules: [Int: RecognitionRule], order: [Int])>((nil, [:], []))

    /// Gallery sizes kept at once: the door's own and a few that doctor and status ask.
    static let capacity = 16

    public init(calibration: RecognitionCalibration = .shipped) {
        self.calibration = calibration
    }

    /// The rule for `members` members under `recognition`.
    public func rule(for recognition: Policy.Recognition, members: Int) -> RecognitionRule {
        if let cached = state.withLock({ $0.policy == recognition ? $0.rules[members] : nil }) { return cached }
        let rule = RecognitionRule(recognition: recognition, members: members, calibration: calibration)
        state.withLock { state in
            if state.policy != recognition {
                state = (recognition, [:], [])
            }
            if state.rules[members] == nil {
                state.order.append(members)
                if state.order.count > Self.capacity { state.rules[state.order.removeFirst()] = nil }
            }
            state.rules[members] = rule
        }
        return rule
    }
}
