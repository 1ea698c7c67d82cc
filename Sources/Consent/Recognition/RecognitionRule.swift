/// The door's rule for a gallery of a given size, derived from the risk the policy
/// accepts (`Policy.Recognition.strangerOneIn`: at most one stranger in that many
/// approaches named as a member) and the measured distances
/// (`RecognitionCalibration`): the threshold and margin that keep the expected FPIR
/// within the target and name members most often, with what the door expects of them.
///
/// More members means more chances for a stranger to resemble one, so the threshold
/// falls as the gallery grows: `ConsentRegistry.recognitionRule` derives it again
/// whenever members are enrolled or erased. When no threshold in range keeps FPIR
/// within the target, or the one that does misses more members than
/// `Policy.Recognition.maxFNIR`, 1:N cannot serve this venue at this size: `usable` is
/// false and doctor, the health page and /metrics say to use claim mode (a card names
/// the member: one comparison, not N).
public struct RecognitionRule: Sendable, Equatable {
    public var threshold: Double
    public var margin: Double
    public var members: Int
    /// The share of strangers the door is expected to name as a member.
    public var expectedFPIR: Double
    /// The share of a member's approaches the door is expected not to name them.
    public var expectedFNIR: Double
    /// The FPIR the policy accepts (1 / strangerOneIn).
    public var targetFPIR: Double
    /// Whether the threshold and margin were derived (false: set by the policy).
    public var derived: Bool
    /// Whether the expected FPIR is within the target.
    public var meetsTarget: Bool
    /// Whether 1:N is worth running: within the target and missing at most maxFNIR.
    public var usable: Bool
    public var calibrationVersion: String
    /// Claim mode's 1:1 rule: the threshold a card's claim is verified with (the rule
    /// of a gallery of one), and the share of attempts by someone who is not the card's
    /// holder that it accepts (one comparison per attempt).
    public var claimThreshold: Double
    public var claimFalseAcceptRate: Double

    /// Thresholds the derivation may choose, in steps of `thresholdStep`.
    public static let thresholdStep = 0.005
    /// Margins tried: dlib's own rule has none; 0.04 was the policy's default.
    public static let margins = [0.0, 0.02, 0.04, 0.06, 0.08, 0.1]

    /// The rule for `members` members under `recognition`: with `rule = "fixed"` the
    /// policy's threshold and margin; otherwise the derived pair, the threshold at most
    /// the policy's and the margin at least the policy's.
    public init(recognition: Policy.Recognition, members: Int, calibration: RecognitionCalibration) {
        let target = 1 / Double(recognition.strangerOneIn)
        // An empty gallery gets the rule of its first member: what the door will do
        // once someone is enrolled, not a rule that can name nobody.
        let counted = max(1, members)
        func figures(_ threshold: Double, _ margin: Double) -> (fpir: Double, fnir: Double) {
            (
                calibration.expectedFPIR(members: counted, threshold: threshold, margin: margin),
                calibration.expectedFNIR(members: counted, threshold: threshold, margin: margin)
            )
        }
        var chosen: (threshold: Double, margin: Double, fpir: Double, fnir: Double)
        if recognition.rule == .fixed {
            let (fpir, fnir) = figures(recognition.threshold, recognition.margin)
            chosen = (recognition.threshold, recognition.margin, fpir, fnir)
        } else {
            let lowest = PolicyRange.threshold.lowerBound
            let highest = max(lowest, recognition.threshold)
            let margins = Self.margins.filter { $0 >= recognition.margin - 1e-12 }.nonEmpty ?? [recognition.margin]
            // The cautious end, should nothing meet the target.
            let (fpir, fnir) = figures(lowest, margins.last!)
            chosen = (lowest, margins.last!, fpir, fnir)
            var best: (threshold: Double, margin: Double, fpir: Double, fnir: Double)?
            for margin in margins {
                guard calibration.expectedFPIR(members: counted, threshold: lowest, margin: margin) <= target else { continue }
                // FPIR only grows with the threshold: the highest within the target is
                // the one that names members most often at this margin.
                var low = 0
                var high = Int(((highest - lowest) / Self.thresholdStep + 1e-9).rounded(.down))
                while low < high {
                    let middle = (low + high + 1) / 2
                    let threshold = lowest + Double(middle) * Self.thresholdStep
                    if calibration.expectedFPIR(members: counted, threshold: threshold, margin: margin) <= target {
                        low = middle
                    } else {
                        high = middle - 1
                    }
                }
                let threshold = ((lowest + Double(low) * Self.thresholdStep) * 1000).rounded() / 1000
                let (fpir, fnir) = figures(threshold, margin)
                if best == nil || fnir < best!.fnir - 1e-9 { best = (threshold, margin, fpir, fnir) }
            }
            if let best { chosen = best }
        }
        threshold = chosen.threshold
        margin = chosen.margin
        self.members = members
        expectedFPIR = chosen.fpir
        expectedFNIR = chosen.fnir
        targetFPIR = target
        derived = recognition.rule == .derived
        meetsTarget = chosen.fpir <= target + 1e-12
        usable = meetsTarget && chosen.fnir <= recognition.maxFNIR
        calibrationVersion = calibration.version
        if counted == 1 {
            claimThreshold = threshold
        } else {
            claimThreshold = RecognitionRule(recognition: recognition, members: 1, calibration: calibration).threshold
        }
        claimFalseAcceptRate = calibration.claimFalseAcceptRate(threshold: claimThreshold)
    }

    /// What doctor and the health page say: the rule, what it costs, and what to do
    /// when 1:N cannot serve.
    public var summary: String {
        let source = derived ? "derived for \(members) member(s)" : "set by the policy"
        var text =
            "threshold \(Self.format(threshold)), margin \(Self.format(margin)) (\(source), calibration \(calibrationVersion)): "
            + "expected FPIR \(Self.percent(expectedFPIR)) (target \(Self.percent(targetFPIR))), expected FNIR \(Self.percent(expectedFNIR))"
        text +=
            "; claim mode (1:1): threshold \(Self.format(claimThreshold)), a non-holder accepted in \(Self.percent(claimFalseAcceptRate)) of attempts"
        if !meetsTarget {
            text +=
                "; 1:N cannot keep strangers within the target at this gallery size: use claim mode (recognition.trigger = \"claim\": a card names the member)"
        } else if !usable {
            text +=
                "; 1:N would miss too many members at this gallery size: use claim mode (recognition.trigger = \"claim\": a card names the member)"
        }
        return text
    }

    static func format(_ value: Double) -> String {
        let scaled = (value * 1000).rounded() / 1000
        return "\(scaled)"
    }

    /// "0.1%", "12.5%", "0.0012%".
    public static func percent(_ value: Double) -> String {
        let p = value * 100
        var digits = 1
        while digits < 6 && p > 0 && p < pow10(-digits + 1) { digits += 1 }
        let scale = pow10(digits)
        return "\((p * scale).rounded() / scale)%"
    }

    private static func pow10(_ n: Int) -> Double {
        var value = 1.0
        for _ in 0..<abs(n) { value *= 10 }
        return n < 0 ? 1 / value : value
    }
}

extension Array {
    /// Nil when empty.
    fileprivate var nonEmpty: Self? { isEmpty ? nil : self }
}
