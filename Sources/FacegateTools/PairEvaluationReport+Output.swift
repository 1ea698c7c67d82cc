public import FacegateCore

/// How `facegate evaluate` shows its results: one JSON document, or lines for a person.
extension PairEvaluationReport {
    public func json(upsample: Int?, rocFile: String?) -> JSONValue {
        let m = metrics
        let tarAtFAR: [JSONValue] = m.operatingPoints.map { point in
            [
                "far_target": .double(point.targetFAR),
                "tar": .double(point.trueAcceptRate),
                "far": .double(point.falseAcceptRate),
                "threshold": .double(point.threshold),
                "different_pairs_needed": .int(point.differentPairsNeeded),
            ]
        }
        let roc: [JSONValue] = m.roc.map {
            ["threshold": .double($0.threshold), "far": .double($0.falseAcceptRate), "tar": .double($0.trueAcceptRate)]
        }
        var document: JSONObject = [
            "pairs": [
                "total": .int(totalPairs), "used": .int(usedPairs), "excluded": .int(excludedPairs),
                "same": .int(m.samePairs), "different": .int(m.differentPairs),
            ],
            "images": [
                "total": .int(images),
                "without_face": .int(imagesWithoutFace.count),
                "unreadable": .int(unreadableImages.count),
                "files_without_face": .array(imagesWithoutFace.map(JSONValue.string)),
                "unreadable_files": .array(unreadableImages.map { ["file": .string($0.file), "error": $0.error.json] }),
            ],
            "upsample": upsample.map(JSONValue.int) ?? .null,
            "threshold": .double(m.threshold),
            "accuracy": .double(m.accuracy),
            "far": .double(m.falseAcceptRate),
            "frr": .double(m.falseRejectRate),
            "best": ["threshold": .double(m.bestThreshold), "accuracy": .double(m.bestAccuracy)],
            "tar_at_far": .array(tarAtFAR),
            "roc_file": .string(rocFile),
            "roc": .array(roc),
            "embedding_seconds": .double((embeddingSeconds * 1000).rounded() / 1000),
        ]
        if let openSet { document["open_set"] = openSet.json }
        document["jitter"] = .int(jitter)
        if let bothJittered {
            document["both_jittered"] = [
                "accuracy": .double(bothJittered.accuracy), "far": .double(bothJittered.falseAcceptRate),
                "frr": .double(bothJittered.falseRejectRate),
                "tar_at_far": .array(
                    bothJittered.operatingPoints.map { ["far_target": .double($0.targetFAR), "tar": .double($0.trueAcceptRate)] }),
            ]
        }
        if let identification { document["identification"] = identification.json }
        return .object(document)
    }

    /// What jittered templates are compared with, and dlib's own protocol beside it.
    var jitterText: String {
        func rate(_ value: Double?) -> String { value.map { TextFormatting.fixed($0, 4) } ?? "n/a" }
        var line = "templates (the first image of each pair) averaged over \(jitter) jittered copies, probes plain, as at the door"
        if let both = bothJittered {
            let tar = both.operatingPoints.map { "TAR at FAR \(TextFormatting.farTarget($0.targetFAR)) \(rate($0.trueAcceptRate))" }
            line +=
                "\nboth images jittered (dlib's LFW protocol): accuracy \(rate(both.accuracy)), FAR \(rate(both.falseAcceptRate)), "
                + "FRR \(rate(both.falseRejectRate)), " + tar.joined(separator: ", ")
        }
        return line
    }

    public func text(upsample: Int?, rocFile: String?) -> String {
        let m = metrics
        func rate(_ value: Double?) -> String { value.map { TextFormatting.fixed($0, 4) } ?? "n/a" }
        var lines: [String] = []
        lines.append(
            "pairs: \(usedPairs) of \(totalPairs) used (\(m.samePairs) same person, \(m.differentPairs) different)"
                + (excludedPairs > 0 ? "; \(excludedPairs) left out" : ""))
        lines.append(
            "images: \(images), \(imagesWithoutFace.count) with no face, \(unreadableImages.count) unreadable"
                + " (embedded in \(TextFormatting.fixed(embeddingSeconds, 1)) s, upsample \(upsample.map(String.init) ?? "chosen per image"))"
        )
        let acceptedDifferent = m.falseAcceptRate.map { Int(($0 * Double(m.differentPairs)).rounded()) }
        let rejectedSame = m.falseRejectRate.map { Int(($0 * Double(m.samePairs)).rounded()) }
        lines.append(
            "threshold \(m.threshold): accuracy \(rate(m.accuracy)), "
                + "FAR \(rate(m.falseAcceptRate))\(acceptedDifferent.map { " (\($0)/\(m.differentPairs))" } ?? ""), "
                + "FRR \(rate(m.falseRejectRate))\(rejectedSame.map { " (\($0)/\(m.samePairs))" } ?? "")")
        if let best = m.bestThreshold {
            lines.append("best threshold \(TextFormatting.fixed(best, 4)): accuracy \(rate(m.bestAccuracy))")
        }
        for point in m.operatingPoints {
            let target = TextFormatting.farTarget(point.targetFAR)
            if let tar = point.trueAcceptRate, let threshold = point.threshold {
                lines.append(
                    "TAR at FAR \(target): \(rate(tar)) (threshold \(TextFormatting.fixed(threshold, 4)), FAR \(rate(point.falseAcceptRate)))"
                )
            } else if m.samePairs == 0 {
                lines.append("TAR at FAR \(target): n/a (no same-person pairs)")
            } else {
                lines.append(
                    "TAR at FAR \(target): n/a (needs at least \(point.differentPairsNeeded) different-person pairs, have \(m.differentPairs))"
                )
            }
        }
        if let rocFile {
            lines.append("ROC: \(m.roc.count) points written to \(rocFile)")
        } else {
            lines.append("ROC: \(m.roc.count) points (write them with --roc FILE)")
        }
        if !imagesWithoutFace.isEmpty {
            lines.append("no face found in: " + imagesWithoutFace.joined(separator: ", "))
        }
        if jitter > 0 { lines.append(jitterText) }
        if let openSet { lines.append(openSet.text) }
        if let identification { lines.append(identification.text) }
        return lines.joined(separator: "\n")
    }
}
