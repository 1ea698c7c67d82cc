public import Consent
public import FacegateCore

/// What `facegate evaluate --gallery-sizes` measured: per gallery size, the door's
/// rule against real strangers (`StrangerEvaluation`), at the rule given on the
/// command line and, with a policy target, at the rule the door derives for that
/// size (`RecognitionRule`) with what it expected beside what happened.
public struct StrangerCurve: Sendable {
    public struct Row: Sendable {
        public var report: IdentificationReport
        /// The derived rule the row was measured at, nil for the command line's rule.
        public var rule: RecognitionRule?

        public init(report: IdentificationReport, rule: RecognitionRule?) {
            self.report = report
            self.rule = rule
        }
    }

    public var rows: [Row]
    /// Gallery sizes the member pool could not fill.
    public var unfilled: [Int]
    public var people: Int
    public var photos: Int
    /// People left out as LFW's held-out folds, nil when none were.
    public var heldOutPeople: Int?

    public init(rows: [Row], unfilled: [Int], people: Int, photos: Int, heldOutPeople: Int?) {
        self.rows = rows
        self.unfilled = unfilled
        self.people = people
        self.photos = photos
        self.heldOutPeople = heldOutPeople
    }

    public var json: JSONValue {
        [
            "people": .int(people), "photos_with_face": .int(photos), "held_out_people": heldOutPeople.map(JSONValue.int) ?? .null,
            "unfilled_gallery_sizes": .array(unfilled.map(JSONValue.int)),
            "rows": .array(
                rows.map { row in
                    var object: JSONObject = ["identification": row.report.json]
                    if let rule = row.rule {
                        object["derived_rule"] = [
                            "threshold": .double(rule.threshold), "margin": .double(rule.margin),
                            "expected_fpir": .double(rule.expectedFPIR), "expected_fnir": .double(rule.expectedFNIR),
                            "target_fpir": .double(rule.targetFPIR), "meets_target": .bool(rule.meetsTarget), "usable": .bool(rule.usable),
                            "calibration": .string(rule.calibrationVersion),
                        ]
                    }
                    return .object(object)
                }),
        ]
    }

    public var text: String {
        func rate(_ value: Double?) -> String { value.map { TextFormatting.fixed($0, 4) } ?? "n/a" }
        var lines = [
            "real strangers: \(people) people with a face in \(photos) photos"
                + (heldOutPeople.map { ", \($0) people of LFW's held-out folds left out" } ?? "")
                + "; half are the member pool, half never enrolled",
            "  members  enrol  threshold  margin  unmated  FPIR   [95%]            mated  FNIR   [95%]            rank-1  "
                + "expected FPIR/FNIR  thr@target  FNIR@target",
        ]
        for row in rows {
            let r = row.report
            let target = r.atTarget.threshold.map { TextFormatting.fixed($0, 3) } ?? "n/a"
            let expected = row.rule.map { "\(RecognitionRule.percent($0.expectedFPIR))/\(RecognitionRule.percent($0.expectedFNIR))" } ?? "-"
            lines.append(
                "  "
                    + [
                        TextFormatting.right("\(r.setup.enrolledPeople)", 7), TextFormatting.right("\(r.setup.enrolPhotos)", 5),
                        TextFormatting.right(TextFormatting.fixed(r.setup.threshold, 3), 9),
                        TextFormatting.right(TextFormatting.fixed(r.setup.margin, 2), 6),
                        TextFormatting.right("\(r.unmatedSearches)", 7), rate(r.fpir),
                        TextFormatting.left(IdentificationReport.range(r.fpirInterval), 16),
                        TextFormatting.right("\(r.matedSearches)", 5), rate(r.fnir),
                        TextFormatting.left(IdentificationReport.range(r.fnirInterval), 16),
                        rate(r.rank1Accuracy), TextFormatting.left(expected, 18), TextFormatting.right(target, 10), rate(r.atTarget.fnir),
                    ].joined(separator: "  "))
        }
        if let first = rows.first {
            lines.append(
                "  thr@target: the threshold that keeps FPIR within \(TextFormatting.farTarget(first.report.atTarget.targetFPIR)) on these strangers"
            )
        }
        if !unfilled.isEmpty {
            lines.append("  not measured: galleries of \(unfilled.map(String.init).joined(separator: ", ")) (the member pool is smaller)")
        }
        return lines.joined(separator: "\n")
    }
}
