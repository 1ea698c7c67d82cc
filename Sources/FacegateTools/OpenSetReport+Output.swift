public import FacegateCore

/// How `facegate evaluate --open-set` shows the open-set comparison: the `open_set`
/// object of the JSON document, or a section of lines.
extension OpenSetReport {
    public var json: JSONValue {
        func rate(_ value: Double?) -> JSONValue { value.map(JSONValue.double) ?? .null }
        func summary(_ value: DistanceSummary?) -> JSONValue {
            guard let value else { return .null }
            return [
                "n": .int(value.count), "median": .double(Self.round4(value.median)), "p01": .double(Self.round4(value.firstPercentile)),
                "below_threshold": .int(value.belowThreshold),
            ]
        }
        let galleries: [JSONValue] = galleries.map { gallery in
            [
                "synthetic_subjects": .int(gallery.syntheticSubjects),
                "subjects": .int(gallery.subjects),
                "probes": .int(gallery.probes),
                "false_accepts": .int(gallery.falseAccepts),
                "nearest_below_threshold": .int(gallery.nearestBelowThreshold),
                "far": rate(gallery.falseAcceptRate),
                "expected_far": rate(gallery.expectedFalseAcceptRate),
                "synthetic_distance": summary(gallery.strangerDistances),
                "distances_comparable": gallery.distancesComparable.map(JSONValue.bool) ?? .null,
            ]
        }
        return [
            "threshold": .double(threshold),
            "margin": .double(margin),
            "seed": .int(Int(truncatingIfNeeded: seed)),
            "shrinkage": .double(shrinkage),
            "probes": .int(probes),
            "people": .int(people),
            "probes_without_fit": .int(probesWithoutFit),
            "claims": ["total": .int(claims), "false_accepts": .int(claimFalseAccepts), "far": rate(claimFalseAcceptRate)],
            "real_impostor_distance": summary(realImpostorDistances),
            "galleries": .array(galleries),
        ]
    }

    public var text: String {
        func rate(_ value: Double?) -> String { value.map { TextFormatting.fixed($0, 4) } ?? "n/a" }
        func distances(_ value: DistanceSummary?) -> String {
            guard let value else { return "n/a" }
            return "median \(TextFormatting.fixed(value.median, 4)), 1st percentile \(TextFormatting.fixed(value.firstPercentile, 4)), "
                + "below the threshold \(value.belowThreshold)/\(value.count)"
        }
        var lines = [
            "open set (threshold \(threshold), margin \(margin), seed \(seed)): \(probes) probes of \(people) people",
            "  1:1, claiming another person: FAR \(rate(claimFalseAcceptRate)) (\(claimFalseAccepts)/\(claims) claims)",
        ]
        for gallery in galleries {
            let real = gallery.subjects - gallery.syntheticSubjects
            lines.append(
                "  1:N, \(gallery.syntheticSubjects) synthetic + \(real) real subjects: FAR \(rate(gallery.falseAcceptRate)) "
                    + "(\(gallery.falseAccepts)/\(gallery.probes) probes; nearest below the threshold for "
                    + "\(gallery.nearestBelowThreshold)), 1-(1-p)^\(gallery.subjects) from 1:1: \(rate(gallery.expectedFalseAcceptRate))")
        }
        if probesWithoutFit > 0 {
            lines.append("  \(probesWithoutFit) probes not searched 1:N: fewer than 2 descriptors of other people to fit strangers to")
        }
        lines.append("  impostor distances, real different-person pairs: \(distances(realImpostorDistances))")
        if let largest = galleries.last(where: { $0.strangerDistances != nil }) {
            let verdict =
                switch largest.distancesComparable {
                case true?: "comparable to real pairs: the synthetic strangers are as far from a face as real ones"
                case false?: "NOT comparable to real pairs: the 1:N rates above are not realistic"
                case nil: "no real pairs to compare with"
                }
            lines.append("  impostor distances, probe vs synthetic: \(distances(largest.strangerDistances)) (\(verdict))")
        }
        return lines.joined(separator: "\n")
    }

    static func round4(_ value: Double) -> Double { (value * 10000).rounded() / 10000 }
}
