import FaceEngine
import FacegateCore

/// How `detect` and `embed` show one image's result.
struct ImageFacesReport {
    let file: String
    let analysis: FaceAnalysis
    let includeEmbeddings: Bool

    var json: JSONValue {
        let faces: [JSONValue] = analysis.faces.map { face in
            let box = face.box.clipped(width: analysis.width, height: analysis.height)
            var object: JSONObject = [
                "box": ["left": .int(box.left), "top": .int(box.top), "right": .int(box.right), "bottom": .int(box.bottom)],
                "detector": .string(face.box.pass.rawValue),
            ]
            if includeEmbeddings, let descriptor = face.descriptor {
                object["embedding"] = .array(descriptor.values.map(JSONValue.float))
            }
            if let quality = face.quality {
                object["quality"] = [
                    "yaw": .double(rounded(quality.yaw)), "nose_offset": .double(rounded(quality.noseOffset)),
                    "roll": .double(rounded(quality.roll)), "sharpness": .double(rounded(quality.sharpness)),
                ]
            }
            return .object(object)
        }
        let timings = analysis.timings
        return [
            "file": .string(file),
            "width": .int(analysis.width),
            "height": .int(analysis.height),
            "faces": .array(faces),
            "timings_ms": [
                "decode": .double(rounded(timings.decode)), "detect": .double(rounded(timings.detect)),
                "align": .double(rounded(timings.align)), "embed": .double(rounded(timings.embed)),
            ],
        ]
    }

    var text: String {
        let count = analysis.faces.count
        let timings = analysis.timings
        var stages = "decode \(format(timings.decode)) ms, detect \(format(timings.detect)) ms"
        if includeEmbeddings {
            stages += ", align \(format(timings.align)) ms, embed \(format(timings.embed)) ms"
        }
        var lines = ["\(file): \(analysis.width)x\(analysis.height), \(count) face\(count == 1 ? "" : "s") (\(stages))"]
        for (index, face) in analysis.faces.enumerated() {
            let box = face.box.clipped(width: analysis.width, height: analysis.height)
            var line =
                "  face \(index + 1): left \(box.left), top \(box.top), right \(box.right), bottom \(box.bottom) (\(face.box.pass.rawValue)"
            if let quality = face.quality { line += ", turned \(format(quality.yaw))°, sharpness \(format(quality.sharpness))" }
            lines.append(line + ")")
            if includeEmbeddings, let descriptor = face.descriptor {
                lines.append("    " + descriptor.values.map { "\($0)" }.joined(separator: " "))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func errorJSON(file: String, error: any UserFacingError) -> JSONValue {
        ["file": .string(file), "error": error.json]
    }

    private func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
    private func format(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return "\(tenths)"
    }
}
