public import Consent
import FacegateCore

/// Measures a `RecognitionCalibration` from labelled photos: the distance of every
/// pair of photos of different people (impostor) and of the same person (genuine),
/// plain descriptors as the door compares them, binned. Every pair is used: on LFW
/// without its held-out folds about 40 million impostor pairs, a few seconds per
/// core.
public struct CalibrationBuilder: Sendable {
    /// 0.01: the door's thresholds move in steps of 0.005, and a bin of 0.01 holds
    /// hundreds of impostor pairs where the threshold ends up.
    public static let binWidth = 0.01
    /// 0 to 1.5: no pair of dlib's unit-scale descriptors is ever farther.
    public static let binCount = 150

    public var version: String
    public var provenance: String

    public init(version: String, provenance: String) {
        self.version = version
        self.provenance = provenance
    }

    public func build(_ photos: [IdentificationEvaluation.Photo]) -> RecognitionCalibration {
        var impostor = [Int](repeating: 0, count: Self.binCount)
        var genuine = [Int](repeating: 0, count: Self.binCount)
        let count = photos.count
        // Contiguous copies for the inner loop; wiped before returning.
        var values = [Float](repeating: 0, count: count * FaceDescriptor.dimensions)
        defer { values.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
        for (index, photo) in photos.enumerated() {
            photo.probe.withUnsafeValues { source in
                for k in 0..<FaceDescriptor.dimensions { values[index * FaceDescriptor.dimensions + k] = source[k] }
            }
        }
        var personIndex: [String: Int] = [:]
        let person = photos.map { photo in
            if let known = personIndex[photo.person] { return known }
            personIndex[photo.person] = personIndex.count
            return personIndex.count - 1
        }
        values.withUnsafeBufferPointer { all in
            let dimensions = FaceDescriptor.dimensions
            for i in 0..<count {
                let a = all.baseAddress! + i * dimensions
                for j in (i + 1)..<max(i + 1, count) {
                    let b = all.baseAddress! + j * dimensions
                    var sum: Float = 0
                    for k in 0..<dimensions {
                        let d = a[k] - b[k]
                        sum += d * d
                    }
                    let bin = min(Self.binCount - 1, Int(Double(sum.squareRoot()) / Self.binWidth))
                    if person[i] == person[j] { genuine[bin] += 1 } else { impostor[bin] += 1 }
                }
            }
        }
        return RecognitionCalibration(
            version: version, provenance: provenance, binWidth: Self.binWidth, impostorCounts: impostor, genuineCounts: genuine)
    }
}

extension RecognitionCalibration {
    /// The calibration as the Swift source of `RecognitionCalibration.shipped`, to
    /// commit as Sources/Consent/Recognition/RecognitionCalibration+Shipped.swift.
    public var swiftSource: String {
        func rows(_ counts: [Int]) -> String {
            stride(from: 0, to: counts.count, by: 10).map { start in
                "            " + counts[start..<min(counts.count, start + 10)].map { "\($0)," }.joined(separator: " ")
            }.joined(separator: "\n")
        }
        var escaped = ""
        for character in provenance {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += " "
            default: escaped.append(character)
            }
        }
        return """
            // Written by `facegate evaluate --write-calibration`: do not edit by hand.
            extension RecognitionCalibration {
                /// The calibration the door derives its rule from (see `provenance`).
                public static let shipped = RecognitionCalibration(
                    version: "\(version)",
                    provenance: "\(escaped)",
                    binWidth: \(binWidth),
                    impostorCounts: [
            \(rows(impostorCounts))
                    ],
                    genuineCounts: [
            \(rows(genuineCounts))
                    ])
            }

            """
    }
}
