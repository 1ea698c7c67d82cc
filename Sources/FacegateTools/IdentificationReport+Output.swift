public import FacegateCore

/// How `facegate evaluate --identification` shows the report: the `identification`
/// object of the JSON document, a section of lines, and the DET curve as CSV.
extension IdentificationReport {
    public var json: JSONValue {
        func rate(_ value: Double?) -> JSONValue { value.map(JSONValue.double) ?? .null }
        func interval(_ value: WilsonInterval?) -> JSONValue { value.map { [.double($0.lower), .double($0.upper)] } ?? .null }
        var document: JSONObject = [
            "threshold": .double(setup.threshold),
            "margin": .double(setup.margin),
            "seed": .int(Int(truncatingIfNeeded: setup.seed)),
            "jitter": .int(setup.jitter),
            "enrol_photos": .int(setup.enrolPhotos),
            "gallery": [
                "subjects": .int(setup.gallerySubjects), "enrolled_people": .int(setup.enrolledPeople),
                "synthetic_subjects": .int(setup.syntheticSubjects),
            ],
            "not_enrolled_people": .int(setup.notEnrolledPeople),
            "mated_searches": .int(matedSearches),
            "unmated_searches": .int(unmatedSearches),
            "false_positives": .int(falsePositives),
            "false_negatives": .int(falseNegatives),
            "fpir": rate(fpir),
            "fpir_95": interval(fpirInterval),
            "fnir": rate(fnir),
            "fnir_95": interval(fnirInterval),
            "rank1_hits": .int(rank1Hits),
            "rank1_accuracy": rate(rank1Accuracy),
            "at_target": [
                "fpir_target": .double(atTarget.targetFPIR), "unmated_needed": .int(atTarget.unmatedNeeded),
                "threshold": rate(atTarget.threshold), "fpir": rate(atTarget.fpir), "fnir": rate(atTarget.fnir),
            ],
            "det": .array(det.map { ["threshold": .double($0.threshold), "fpir": .double($0.fpir), "fnir": .double($0.fnir)] }),
        ]
        document["expected"] = expected.map(\.json) ?? .null
        return .object(document)
    }

    public var text: String {
        func rate(_ value: Double?) -> String { value.map { TextFormatting.fixed($0, 4) } ?? "n/a" }
        var lines = [
            "identification (threshold \(setup.threshold), margin \(setup.margin), seed \(setup.seed)"
                + (setup.jitter > 0 ? ", templates jittered \(setup.jitter)x" : "") + "): gallery of \(setup.gallerySubjects) subjects ("
                + "\(setup.enrolledPeople) enrolled people, \(setup.enrolPhotos == 1 ? "one photo" : "\(setup.enrolPhotos) photos") each, + \(setup.syntheticSubjects) synthetic); "
                + "\(setup.notEnrolledPeople) people not enrolled",
            "  FPIR \(rate(fpir)) \(Self.range(fpirInterval)) (\(falsePositives)/\(unmatedSearches) unmated searches returned someone), "
                + "FNIR \(rate(fnir)) \(Self.range(fnirInterval)) (\(falseNegatives)/\(matedSearches) mated searches did not return their person)",
            "  rank-1 accuracy (closed set, no threshold): \(rate(rank1Accuracy)) (\(rank1Hits)/\(matedSearches))",
        ]
        let target = TextFormatting.farTarget(atTarget.targetFPIR)
        if let threshold = atTarget.threshold {
            lines.append(
                "  at FPIR \(target): threshold \(TextFormatting.fixed(threshold, 4)), FNIR \(rate(atTarget.fnir)) (FPIR \(rate(atTarget.fpir)))"
            )
        } else if matedSearches == 0 {
            lines.append("  at FPIR \(target): n/a (no mated searches)")
        } else {
            lines.append("  at FPIR \(target): n/a (needs at least \(atTarget.unmatedNeeded) unmated searches, have \(unmatedSearches))")
        }
        if let expected { lines.append("  expected FPIR (what doctor estimates): \(expected.text)") }
        return lines.joined(separator: "\n")
    }

    /// "[0.0123, 0.0456]" (95%), or "" without searches.
    static func range(_ interval: WilsonInterval?) -> String {
        interval.map { "[\(TextFormatting.fixed($0.lower, 4)), \(TextFormatting.fixed($0.upper, 4))]" } ?? ""
    }

    /// The DET curve as CSV: a `threshold,fpir,fnir` header and one line per point.
    public var detCSV: String {
        var text = "threshold,fpir,fnir\n"
        for point in det { text += "\(point.threshold),\(point.fpir),\(point.fnir)\n" }
        return text
    }

    /// Writes `detCSV` to `path`, replacing the file if it exists.
    public func writeDET(to path: String) throws(EvaluationError) {
        try TextFile.write(detCSV, to: path)
    }
}

extension ExpectedFPIR {
    public var json: JSONValue {
        [
            "fpir": .double(fpir), "per_subject": .double(perSubject), "upper_bound": .bool(isUpperBound),
            "subjects": .int(subjects), "pairs": .int(pairs), "pairs_closer": .int(closer), "source": .string(source.rawValue),
        ]
    }

    /// "0.0123 = 1-(1-p)^S, p 4/9091 ...", for doctor and the evaluation.
    public var text: String {
        let p = isUpperBound ? "p < 3/\(pairs) (no pair closer)" : "p = \(closer)/\(pairs)"
        let from =
            switch source {
            case .gallery: "pairs of different subjects' templates in this gallery"
            case .sharedIdentities: "measured on the shared identities set: too few subjects here to measure"
            }
        return "\(isUpperBound ? "below " : "")\(TextFormatting.fixed(fpir, 4)) = 1-(1-p)^\(subjects), \(p) (\(from)); "
            + "assumes strangers look like members as members look like each other, ignores the margin"
    }
}
