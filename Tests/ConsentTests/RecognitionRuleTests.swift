import Consent
import FacegateTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The door's rule derived from the risk the policy accepts and a calibration:
/// checked on calibrations made by hand, whose answers are known in closed form.
@Suite("Recognition rule", .perTestLimit)
struct RecognitionRuleTests {
    /// Impostor distances normal around 0.85 (sd 0.08), genuine around 0.35 (sd 0.08),
    /// 1,000,000 and 10,000 pairs in bins of 0.01: dlib's descriptors on ordinary photos
    /// look much like this.
    static let normal: RecognitionCalibration = {
        func counts(mean: Double, sd: Double, total: Double) -> [Int] {
            (0..<150).map { bin in
                let low = Double(bin) * 0.01
                let cdf = { (x: Double) in 0.5 * erfc(-(x - mean) / (sd * 2.0.squareRoot())) }
                return Int((total * (cdf(low + 0.01) - cdf(low))).rounded())
            }
        }
        return RecognitionCalibration(
            version: "test-normal", provenance: "made by hand", binWidth: 0.01,
            impostorCounts: counts(mean: 0.85, sd: 0.08, total: 1_000_000), genuineCounts: counts(mean: 0.35, sd: 0.08, total: 10_000))
    }()

    static var recognition: Policy.Recognition { Policy.Recognition.defaults }

    @Test(
        "F is the share of impostor pairs below a distance, and the tail below the measured pairs never falls under a straight line in log F"
    )
    func impostorRate() {
        let c = Self.normal
        #expect(c.impostorRate(below: 0) == 0)
        #expect(abs(c.impostorRate(below: 0.85) - 0.5) < 0.01)
        #expect(c.impostorRate(below: 2) == 1)
        // Far below the first pairs the fitted tail still gives a rate, falling with the distance.
        let deep = c.impostorRate(below: 0.3)
        #expect(deep > 0 && deep < c.impostorRate(below: 0.4))
        #expect(abs(c.genuineRate(atOrAbove: 0.35) - 0.5) < 0.02)
    }

    @Test("expected FPIR grows with the gallery and the threshold, and falls with the margin")
    func fpirGrows() {
        let c = Self.normal
        let base = c.expectedFPIR(members: 100, threshold: 0.55, margin: 0)
        #expect(c.expectedFPIR(members: 1000, threshold: 0.55, margin: 0) > base)
        #expect(c.expectedFPIR(members: 100, threshold: 0.6, margin: 0) > base)
        #expect(c.expectedFPIR(members: 100, threshold: 0.55, margin: 0.05) < base)
        // One member, no margin: FPIR is F(t) itself.
        #expect(abs(c.expectedFPIR(members: 1, threshold: 0.6, margin: 0) - c.impostorRate(below: 0.6)) < 1e-6)
        // Many members: 1 - (1 - F)^N.
        let f = c.impostorRate(below: 0.6)
        #expect(abs(c.expectedFPIR(members: 300, threshold: 0.6, margin: 0) - (1 - pow(1 - f, 300))) < 0.01)
    }

    @Test("the derived rule keeps the expected FPIR within the target, and lowers its threshold as members are added")
    func derivedRule() {
        var rules: [RecognitionRule] = []
        for members in [10, 100, 300, 1000, 10_000] {
            let rule = RecognitionRule(recognition: Self.recognition, members: members, calibration: Self.normal)
            #expect(rule.derived)
            #expect(rule.expectedFPIR <= 0.001 + 1e-12, "\(rule.summary)")
            #expect(rule.meetsTarget)
            #expect(rule.threshold <= 0.6 && rule.margin >= 0.04)
            // Claim mode compares with one member: its threshold can be higher, within the same risk.
            #expect(rule.claimThreshold >= rule.threshold)
            #expect(rule.claimFalseAcceptRate <= 0.001 + 1e-12)
            rules.append(rule)
        }
        for (smaller, larger) in zip(rules, rules.dropFirst()) {
            #expect(larger.threshold <= smaller.threshold, "\(smaller.summary) / \(larger.summary)")
            #expect(larger.expectedFNIR >= smaller.expectedFNIR - 1e-9)
        }
        // A stricter policy gets a lower threshold for the same gallery.
        var strict = Self.recognition
        strict.strangerOneIn = 100_000
        let strictRule = RecognitionRule(recognition: strict, members: 300, calibration: Self.normal)
        #expect(strictRule.threshold < rules[2].threshold)
    }

    @Test("an empty gallery gets its first member's rule, usable, not one that can name nobody")
    func emptyGallery() {
        let empty = RecognitionRule(recognition: Self.recognition, members: 0, calibration: Self.normal)
        let one = RecognitionRule(recognition: Self.recognition, members: 1, calibration: Self.normal)
        #expect(empty.threshold == one.threshold && empty.margin == one.margin)
        #expect(empty.usable && empty.expectedFNIR == one.expectedFNIR && empty.members == 0)
    }

    @Test("under rule = \"fixed\" the policy's threshold and margin are the rule, and their cost is still said")
    func fixedRule() {
        var fixed = Self.recognition
        fixed.rule = .fixed
        let rule = RecognitionRule(recognition: fixed, members: 300, calibration: Self.normal)
        #expect(rule.threshold == 0.6 && rule.margin == 0.04 && !rule.derived)
        #expect(rule.expectedFPIR == Self.normal.expectedFPIR(members: 300, threshold: 0.6, margin: 0.04))
    }

    @Test("when 1:N cannot meet the target with a usable FNIR the rule says to use claim mode")
    func unusable() {
        // Impostors as close as members: no threshold keeps strangers out and names members.
        let overlapping = RecognitionCalibration(
            version: "overlap", provenance: "made by hand", binWidth: 0.01,
            impostorCounts: (0..<150).map { $0 >= 30 && $0 < 60 ? 1000 : 0 },
            genuineCounts: (0..<150).map { $0 >= 30 && $0 < 60 ? 1000 : 0 })
        let rule = RecognitionRule(recognition: Self.recognition, members: 300, calibration: overlapping)
        #expect(!rule.usable)
        #expect(rule.summary.contains("use claim mode"), "\(rule.summary)")
        let easy = RecognitionRule(recognition: Self.recognition, members: 10, calibration: Self.normal)
        #expect(easy.usable && !easy.summary.contains("use claim mode"), "\(easy.summary)")
    }

    @Test("the duplicate check's distance is where a different person comes that close at most once in a thousand")
    func duplicateThreshold() {
        let c = Self.normal
        let members = 300
        let t = c.duplicateThreshold(members: members)
        #expect(c.expectedFPIR(members: members, threshold: t, margin: 0) <= 1e-3 + 1e-9)
        #expect(c.expectedFPIR(members: members, threshold: t + 0.01, margin: 0) > 1e-3)
        #expect(c.duplicateThreshold(members: 10) > t, "fewer members, fewer chances: a higher distance")
    }

    @Test("a claim's false-accept rate is F at the threshold, per template of the holder")
    func claimRate() {
        let c = Self.normal
        #expect(abs(c.claimFalseAcceptRate(threshold: 0.6) - c.impostorRate(below: 0.6)) < 1e-12)
        #expect(c.claimFalseAcceptRate(threshold: 0.6, templates: 3) > c.claimFalseAcceptRate(threshold: 0.6))
    }

    @Test("percentages are written with the digits they need")
    func percent() {
        #expect(RecognitionRule.percent(0.001) == "0.1%")
        #expect(RecognitionRule.percent(0.176) == "17.6%")
        #expect(RecognitionRule.percent(0.000012) == "0.0012%")
    }
}
