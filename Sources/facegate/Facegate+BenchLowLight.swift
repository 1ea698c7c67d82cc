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

        @Option(
            help: ArgumentHelp(
                "Brightness the images are scaled to when darkened (0-1); several, comma-separated, measure a curve (e.g. 0.3,0.2,0.1,0.05).",
                valueName: "B,..."))
        var brightness: String = "0.2"

        @Option(help: "Noise standard deviation added when darkening, in grey levels.")
        var noise: Double = 8

        @Option(help: "Mean luma below which enhancement runs (the policy's low_light_luma).")
        var threshold: Double = 70

        @Option(help: "Longest side images are scaled to before detection.")
        var maxSide: Int = 1280

        @Option(help: "The detector: hog (the door's) or cnn (dlib's MMOD, slower, for comparison).")
        var model: DetectionOptions.Model = .hog

        @Flag(help: "Print JSON.")
        var json = false

        /// The brightness levels asked for.
        func levels() throws -> [Double] {
            let values = brightness.split(separator: ",").map { Double($0.filter { $0 != " " }) }
            guard !values.isEmpty, values.allSatisfy({ $0.map { $0 > 0 && $0 <= 1 } ?? false }) else {
                throw ValidationError("--brightness takes comma-separated values above 0 and at most 1, e.g. 0.3,0.2,0.1")
            }
            return values.compactMap { $0 }
        }

        func validate() throws { _ = try levels() }

        /// One level's totals: faces to find, found without and with enhancement, and
        /// the frames the door would call too dark.
        struct Totals {
            var expected = 0, plain = 0, enhanced = 0, images = 0, tooDark = 0
            var meanLumas: [Double] = []

            func rate(_ n: Int) -> Double { expected == 0 ? 0 : (Double(n) / Double(expected) * 1000).rounded() / 1000 }

            var json: JSONValue {
                [
                    "faces": .int(expected), "rate_plain": .double(rate(plain)), "rate_enhanced": .double(rate(enhanced)),
                    "images": .int(images), "too_dark_images": .int(tooDark),
                    "median_mean_luma": .double(((Statistics(meanLumas)?.median ?? 0) * 10).rounded() / 10),
                ]
            }
        }

        func run() async throws {
            try await runReportingErrors(json: json) {
                let engine = try FaceEngine(models: try global.locateModels(), loadCNN: model == .cnn, logger: global.makeLogger())
                let enhancer = LowLightEnhancer(threshold: threshold)
                let options = DetectionOptions(model: model, upsample: 1)
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
                // Dark photos with labels are measured as they are: one level.
                let levels = labels == nil ? try levels() : [1]
                var rows: [JSONValue] = []
                var totals = [Totals](repeating: Totals(), count: levels.count)
                for (path, expected) in list {
                    var image = try ImageDecoder().decode(file: path)
                    if max(image.width, image.height) > maxSide {
                        let scale = Double(maxSide) / Double(max(image.width, image.height))
                        image = FrameComposer.resized(
                            image, width: Int(Double(image.width) * scale), height: Int(Double(image.height) * scale))
                    }
                    let reference = expected == nil ? try engine.detect(in: image, options: options) : []
                    func found(_ boxes: [FaceBox]) -> Int {
                        if let expected { return min(boxes.count, expected) }
                        return reference.filter { ref in boxes.contains { $0.intersectionOverUnion(ref) > 0.5 } }.count
                    }
                    for (index, level) in levels.enumerated() {
                        let dark =
                            expected == nil
                            ? FrameComposer.darkened(image, brightness: level, noise: noise, seed: UInt64(path.utf8.count)) : image
                        let plainBoxes = try engine.detect(in: dark, options: options)
                        let (enhancedImage, light) = enhancer.prepare(dark)
                        let enhancedBoxes = try enhancedImage.map { try engine.detect(in: $0, options: options) } ?? plainBoxes
                        let want = expected ?? reference.count
                        let plain = found(plainBoxes), enhanced = found(enhancedBoxes)
                        let mean = LowLightEnhancer.lumaHistogram(dark).mean
                        totals[index].expected += want
                        totals[index].plain += plain
                        totals[index].enhanced += enhanced
                        totals[index].images += 1
                        totals[index].meanLumas.append(mean)
                        if light == .tooDark { totals[index].tooDark += 1 }
                        rows.append([
                            "file": .string(path), "brightness": .double(level), "mean_luma": .double((mean * 10).rounded() / 10),
                            "faces": .int(want), "found_plain": .int(plain), "found_enhanced": .int(enhanced),
                            "enhanced": .bool(enhancedImage != nil), "light": .string(light.rawValue),
                        ])
                        if !json && levels.count == 1 {
                            CommandOutput.line(
                                "\(path.split(separator: "/").last ?? ""): mean luma \(Int(mean)), faces \(want), found without \(plain), with enhancement \(enhanced)"
                            )
                        }
                    }
                }
                if json {
                    var document: [(String, JSONValue)] = [("model", .string(model.rawValue)), ("images", .array(rows))]
                    if levels.count == 1, let only = totals.first?.json.objectValue {
                        document += only.entries.map { ($0.key, $0.value) }
                    } else {
                        document.append(
                            (
                                "levels",
                                .array(
                                    zip(levels, totals).map { level, total in
                                        .object(
                                            JSONObject(
                                                [("brightness", .double(level))]
                                                    + (total.json.objectValue?.entries.map { ($0.key, $0.value) } ?? [])))
                                    })
                            ))
                    }
                    CommandOutput.json(.object(JSONObject(document)))
                } else {
                    for (level, total) in zip(levels, totals) {
                        let prefix = labels == nil && levels.count > 1 ? "brightness \(level): " : ""
                        CommandOutput.line(
                            prefix
                                + "detection rate (\(model.rawValue)): \(total.plain)/\(total.expected) (\(total.rate(total.plain))) without, \(total.enhanced)/\(total.expected) (\(total.rate(total.enhanced))) with enhancement; median mean luma \(Int((Statistics(total.meanLumas)?.median ?? 0).rounded())), \(total.tooDark)/\(total.images) images too dark"
                        )
                    }
                }
            }
        }
    }
}
