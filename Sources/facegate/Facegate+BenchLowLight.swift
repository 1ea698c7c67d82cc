import ArgumentParser
import FaceEngine
import FacegateCore
import FacegateTools
import FoundationEssentials

extension Facegate.Bench {
    /// Detection rate in the dark, with and without low-light enhancement.
    struct LowLight: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lowlight",
            abstract: "Measure how many faces HOG finds in dark images, with and without low-light enhancement.",
            discussion: """
                Without --labels: every image in --images is darkened to --brightness with noise, and \
                a face counts as found when a box overlaps one found in the original (IoU > 0.5). \
                With --labels FILE (file,expected_face_count): the images are dark already and \
                found faces are compared with the expected count.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Folder of images (default: the fixtures).", valueName: "DIR"))
        var images: String?

        @Option(
            help: ArgumentHelp(
                "CSV of dark images with expected face counts (e.g. ../shared/faces/lowlight/lowlight.csv).", valueName: "FILE"))
        var labels: String?

        @Option(help: "Brightness the images are scaled to when darkened (0-1).")
        var brightness: Double = 0.2

        @Option(help: "Noise standard deviation added when darkening, in grey levels.")
        var noise: Double = 8

        @Option(help: "Mean luma below which enhancement runs (the policy's low_light_luma).")
        var threshold: Double = 70

        @Option(help: "Longest side images are scaled to before detection.")
        var maxSide: Int = 1280

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            try await runReportingErrors(json: json) {
                let engine = try FaceEngine(models: try global.locateModels(), logger: global.makeLogger())
                let enhancer = LowLightEnhancer(threshold: threshold)
                let options = DetectionOptions(upsample: 1)
                var rows: [JSONValue] = []
                var totals = (expected: 0, plain: 0, enhanced: 0)
                let list: [(path: String, expected: Int?)]
                if let labels {
                    let directory = labels.split(separator: "/").dropLast().joined(separator: "/")
                    let text = try TextFile.read(labels)
                    list = text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
                        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                        guard fields.count >= 2, let count = Int(fields[1]) else { return nil }
                        return ((labels.hasPrefix("/") ? "/" : "") + directory + "/" + fields[0], count)
                    }
                } else {
                    let directory = images ?? (ProcessEnvironment.current["FACEGATE_FIXTURES"] ?? ".cache/fixtures")
                    list = try ImageFileList.files(in: directory).map { ($0, nil) }
                }
                for (path, expected) in list {
                    var image = try ImageDecoder().decode(file: path)
                    if max(image.width, image.height) > maxSide {
                        let scale = Double(maxSide) / Double(max(image.width, image.height))
                        image = FrameComposer.resized(
                            image, width: Int(Double(image.width) * scale), height: Int(Double(image.height) * scale))
                    }
                    var reference: [FaceBox] = []
                    var dark = image
                    if expected == nil {
                        reference = try engine.detect(in: image, options: options)
                        dark = FrameComposer.darkened(image, brightness: brightness, noise: noise, seed: UInt64(path.utf8.count))
                    }
                    let plainBoxes = try engine.detect(in: dark, options: options)
                    let enhancedImage = enhancer.enhance(dark)
                    let enhancedBoxes = try enhancedImage.map { try engine.detect(in: $0, options: options) } ?? plainBoxes
                    func found(_ boxes: [FaceBox]) -> Int {
                        if expected != nil { return min(boxes.count, expected ?? 0) }
                        return reference.filter { ref in boxes.contains { $0.intersectionOverUnion(ref) > 0.5 } }.count
                    }
                    let want = expected ?? reference.count
                    let plain = found(plainBoxes), enhanced = found(enhancedBoxes)
                    totals.expected += want
                    totals.plain += plain
                    totals.enhanced += enhanced
                    let mean = LowLightEnhancer.lumaHistogram(dark).mean
                    rows.append([
                        "file": .string(path), "mean_luma": .double((mean * 10).rounded() / 10), "faces": .int(want),
                        "found_plain": .int(plain), "found_enhanced": .int(enhanced), "enhanced": .bool(enhancedImage != nil),
                    ])
                    if !json {
                        CommandOutput.line(
                            "\(path.split(separator: "/").last ?? ""): mean luma \(Int(mean)), faces \(want), found without \(plain), with enhancement \(enhanced)"
                        )
                    }
                }
                func rate(_ n: Int) -> Double { totals.expected == 0 ? 0 : (Double(n) / Double(totals.expected) * 1000).rounded() / 1000 }
                if json {
                    CommandOutput.json([
                        "images": .array(rows), "faces": .int(totals.expected), "rate_plain": .double(rate(totals.plain)),
                        "rate_enhanced": .double(rate(totals.enhanced)),
                    ])
                } else {
                    CommandOutput.line(
                        "detection rate: \(totals.plain)/\(totals.expected) (\(rate(totals.plain))) without, \(totals.enhanced)/\(totals.expected) (\(rate(totals.enhanced))) with enhancement"
                    )
                }
            }
        }
    }
}
