import ArgumentParser
import Consent
import FaceEngine
import FacegateCore
import FacegateTools

extension Facegate {
    /// Accuracy of the recogniser on photos of known people, measured the way users
    /// compare recognisers: at their threshold and at a false-accept rate.
    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure recognition accuracy on pairs of photos of known people.",
            discussion: """
                Give pairs (--pairs, CSV file_a,file_b,same with same 1 or 0; the header may say \
                same_person) or labels (--labels, CSV file,person: every two files make a pair). Each \
                image is embedded once, its face nearest the centre. Pairs with an image that has no \
                face, or that cannot be read, are left out and counted. Prints the accuracy, FAR and \
                FRR at the threshold, the best threshold, TAR at FAR 1e-2 and 1e-3 (n/a when there \
                are too few different-person pairs to measure that FAR) and the ROC curve (--roc). \
                Exit status 2 when some images could not be read.

                With --labels, --open-set N,... shows why claim mode (1:1) exists: every image that \
                gave a face is a probe. 1:1: it claims each other person in turn, a false accept when \
                its nearest template of that person is below the threshold (rate over claims). 1:N: it \
                is searched among the other real people plus N synthetic strangers, a false accept when \
                the door's rule (best below the threshold and --margin ahead of the second) names \
                anyone (rate over probes; also shown: for how many the nearest subject is below the \
                threshold, margin or not). The strangers are drawn, seeded by --seed, from a Gaussian \
                with full covariance (shrunk 10% towards the identity) fitted to the descriptors of \
                the people other than the probe's; random vectors would never come near a face. \
                Beside each measured 1:N rate is 1-(1-p)^S, p the 1:1 rate and S the subjects in the \
                gallery: it assumes independent subjects and ignores the margin. The median and \
                1st-percentile distances of real different-person pairs and of probe-stranger pairs, \
                and how many are below the threshold, show whether the strangers are realistic \
                (comparable when the medians are within 10%). JSON: an `open_set` object with \
                `claims` {total, false_accepts, far}, `real_impostor_distance` {n, median, p01, \
                below_threshold} and `galleries`, one per N, with synthetic_subjects, subjects, \
                probes, false_accepts, nearest_below_threshold, far, expected_far, synthetic_distance \
                and distances_comparable.

                With --labels, --identification asks the door's real question, as NIST FRVT 1:N \
                reports it. The people are shuffled (--seed) and every other one is enrolled with the \
                first of their photos in the list; their other photos are mated searches, every photo \
                of the people left out is an unmated search. Synthetic strangers (drawn as for \
                --open-set, fitted to the enrolled people only) fill the gallery up to --gallery-size \
                subjects. Each search is decided by the door's rule (threshold and --margin). FPIR: \
                unmated searches that return anyone; FNIR: mated searches that do not return their own \
                person. Also shown: the threshold and FNIR at --target-fpir (n/a with fewer than \
                1/target unmated searches), the closed-set rank-1 accuracy (threshold ignored), and \
                what `doctor` would estimate for this gallery. --det writes the DET curve as CSV \
                (threshold,fpir,fnir). JSON: an `identification` object.

                --jitter N averages each template (the first image of each pair, the identification \
                gallery) over N jittered and mirrored copies of the face (dlib's recipe); probes stay \
                plain, as at the door, and the figures with both images jittered (dlib's LFW protocol) \
                are shown beside them.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("CSV of pairs: file_a,file_b,same.", valueName: "PAIRS.csv"))
        var pairs: String?

        @Option(help: ArgumentHelp("CSV of file,person (more columns are ignored); all pairs are built.", valueName: "FILE"))
        var labels: String?

        @Option(help: ArgumentHelp("Directory the list's files are relative to (default: the list's directory).", valueName: "DIR"))
        var root: String?

        @Option(help: "Distance below which two faces are called the same person.")
        var threshold: Double = 0.6

        @Option(help: ArgumentHelp("Write the ROC curve to FILE as CSV (threshold,far,tar).", valueName: "FILE"))
        var roc: String?

        @Option(
            name: .customLong("open-set"),
            help: ArgumentHelp(
                "With --labels: compare 1:1 false accepts with 1:N among this many synthetic subjects (comma-separated, e.g. 1000,10000).",
                valueName: "N,..."))
        var openSet: String?

        @Flag(
            help: "With --labels: report open-set identification (FPIR, FNIR, rank-1, DET) on a gallery of one photo per enrolled person.")
        var identification = false

        @Option(
            name: .customLong("gallery-size"),
            help: ArgumentHelp(
                "With --identification: subjects in the gallery, synthetic strangers filling it beyond the enrolled people (default: the enrolled people alone).",
                valueName: "N"))
        var gallerySize: Int?

        @Option(
            name: .customLong("target-fpir"),
            help: ArgumentHelp("With --identification: the FPIR to find the threshold and FNIR for.", valueName: "R"))
        var targetFPIR: Double = IdentificationReport.defaultTargetFPIR

        @Option(help: ArgumentHelp("With --identification: write the DET curve to FILE as CSV (threshold,fpir,fnir).", valueName: "FILE"))
        var det: String?

        @Option(
            help: ArgumentHelp(
                "Average each template over N jittered and mirrored copies of its face (dlib's recipe; 0: plain; N network passes per image).",
                valueName: "N"))
        var jitter: Int = 0

        @Option(
            help:
                "With --open-set or --identification: how much closer the best subject must be than the second best, as the policy's recognition.margin."
        )
        var margin: Double = OpenSetEvaluation.defaultMargin

        @Option(
            help:
                "With --open-set or --identification: the seed of who is enrolled and of the synthetic subjects (the same seed gives the same figures)."
        )
        var seed: UInt64 = OpenSetEvaluation.defaultSeed

        @Option(
            name: .customLong("gallery-sizes"),
            help: ArgumentHelp(
                "With --labels: measure FPIR and FNIR against real strangers at galleries of these many real members (comma-separated, e.g. 100,300,1000).",
                valueName: "N,..."))
        var strangerSizes: String?

        @Option(
            name: .customLong("enrol-photos"),
            help: ArgumentHelp("With --gallery-sizes: photos each member is enrolled from (1-10).", valueName: "K"))
        var enrolPhotos: Int = 1

        @Option(
            name: .customLong("probes-per-person"),
            help: ArgumentHelp("With --gallery-sizes: the most photos of one person searched (1-100).", valueName: "N"))
        var probesPerPerson: Int = StrangerEvaluation.defaultProbesPerPerson

        @Option(
            name: .customLong("stranger-one-in"),
            help: ArgumentHelp(
                "With --gallery-sizes: also measure each gallery at the rule the door derives for its size from this target (the policy's recognition.stranger_one_in) and the shipped calibration.",
                valueName: "N"))
        var strangerOneIn: Int?

        @Option(
            name: .customLong("hold-out-lfw"),
            help: ArgumentHelp(
                "LFW's pairs.txt: every person named in its folds 1 and 2 is left out of the labels (the project's independent check).",
                valueName: "PAIRS.txt"))
        var holdOutLFW: String?

        @Option(
            name: .customLong("write-calibration"),
            help: ArgumentHelp(
                "With --labels: write the impostor and genuine distance histograms as the Swift source of RecognitionCalibration.shipped.",
                valueName: "FILE.swift"))
        var writeCalibration: String?

        @Option(
            name: .customLong("calibration-version"),
            help: ArgumentHelp("With --write-calibration: the calibration's version.", valueName: "TEXT"))
        var calibrationVersion: String = "unversioned"

        @Option(
            name: .customLong("calibration-source"),
            help: ArgumentHelp(
                "With --write-calibration: where the photos come from and their licence, for the calibration's provenance.",
                valueName: "TEXT"))
        var calibrationSource: String = "unnamed photo set"

        @Flag(help: "Print one JSON document.")
        var json = false

        @Option(
            help: ArgumentHelp(
                "Times to double each image before detection, at full size (0-4; default: chosen from each image's size, faces from 60 px).",
                valueName: "N"))
        var upsample: Int?

        @Option(name: .customLong("max-pixels"), help: "Refuse images whose header claims more pixels than this.")
        var maxPixels: Int = ImageDecoder.defaultMaxPixels

        @Option(help: ArgumentHelp(DetectionOptions.Detector.help, valueName: "hog|cnn|auto"))
        var detector: DetectionOptions.Detector = .auto

        func validate() throws {
            guard (pairs == nil) != (labels == nil) else { throw ValidationError("give either --pairs or --labels") }
            guard threshold > 0 && threshold < 4 else { throw ValidationError("--threshold must be between 0 and 4") }
            if let upsample, !(0...4).contains(upsample) { throw ValidationError("--upsample must be between 0 and 4") }
            guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
            try validateJitter(jitter)
            if openSet != nil {
                guard labels != nil else { throw ValidationError("--open-set needs --labels: it compares people, not pairs") }
                _ = try gallerySizes()
            }
            if identification {
                guard labels != nil else { throw ValidationError("--identification needs --labels: it enrols people, not pairs") }
                if let gallerySize, !(0...1_000_000).contains(gallerySize) {
                    throw ValidationError("--gallery-size must be between 0 and 1000000")
                }
                guard targetFPIR > 0 && targetFPIR < 1 else { throw ValidationError("--target-fpir must be between 0 and 1") }
            } else if gallerySize != nil || det != nil {
                throw ValidationError("--gallery-size and --det need --identification")
            }
            if openSet != nil || identification || strangerSizes != nil {
                guard margin >= 0 && margin < threshold else {
                    throw ValidationError("--margin must be at least 0 and below the threshold")
                }
            }
            if strangerSizes != nil || writeCalibration != nil {
                guard labels != nil else { throw ValidationError("--gallery-sizes and --write-calibration need --labels") }
                guard openSet == nil && !identification else {
                    throw ValidationError(
                        "--gallery-sizes and --write-calibration measure on their own: drop --open-set and --identification")
                }
                _ = try strangerGallerySizes()
                guard (1...10).contains(enrolPhotos) else { throw ValidationError("--enrol-photos must be between 1 and 10") }
                guard (1...100).contains(probesPerPerson) else { throw ValidationError("--probes-per-person must be between 1 and 100") }
                if let strangerOneIn, !(100...1_000_000).contains(strangerOneIn) {
                    throw ValidationError("--stranger-one-in must be between 100 and 1000000")
                }
            } else if strangerOneIn != nil {
                throw ValidationError("--stranger-one-in needs --gallery-sizes")
            }
            if holdOutLFW != nil && labels == nil { throw ValidationError("--hold-out-lfw needs --labels") }
        }

        /// The member counts of --gallery-sizes, nil without it.
        func strangerGallerySizes() throws -> [Int]? {
            guard let strangerSizes else { return nil }
            let sizes = strangerSizes.split(separator: ",", omittingEmptySubsequences: false).map {
                Int($0.filter { $0 != " " }).flatMap { (1...100_000).contains($0) ? $0 : nil }
            }
            guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil }) else {
                throw ValidationError("--gallery-sizes takes comma-separated member counts from 1 to 100000, e.g. 100,300,1000")
            }
            return sizes.compactMap { $0 }
        }

        /// The synthetic gallery sizes of --open-set, nil without it.
        func gallerySizes() throws -> [Int]? {
            guard let openSet else { return nil }
            let sizes = openSet.split(separator: ",", omittingEmptySubsequences: false).map {
                Int($0.filter { $0 != " " }).flatMap { (0...1_000_000).contains($0) ? $0 : nil }
            }
            guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil }) else {
                throw ValidationError("--open-set takes comma-separated gallery sizes from 0 to 1000000, e.g. 1000,10000")
            }
            return sizes.compactMap { $0 }
        }

        func run() async throws {
            try await runReportingErrors(json: json) {
                let list = pairs ?? labels ?? ""
                let pairList = try pairs.map { try PairList(file: $0).pairs }
                var labelList = try labels.map { try LabelList(file: $0) }
                var heldOut: Int?
                if let holdOutLFW, let all = labelList {
                    let held = try LFWHeldOutPeople(pairsFile: holdOutLFW, folds: [1, 2])
                    guard let kept = held.excluding(from: all) else {
                        throw CommandError(
                            .invalidArgument, "every person of \(list) is in LFW's folds 1 and 2 (\(holdOutLFW)): nothing left to measure")
                    }
                    heldOut = Set(all.entries.map(\.person)).intersection(held.people).count
                    labelList = kept
                }
                if strangerSizes != nil || writeCalibration != nil, let labelList {
                    try runStrangers(labelList, list: list, heldOut: heldOut)
                    return
                }
                let engine = try FaceEngine(models: try global.locateModels(), logger: global.makeLogger())
                let evaluator = PairEvaluator(
                    root: root ?? Self.directory(of: list), detection: .photo(detector: detector, upsample: upsample),
                    decoder: ImageDecoder(maxPixels: maxPixels), threshold: threshold, jitter: jitter)
                let openSetEvaluation = try gallerySizes().map {
                    OpenSetEvaluation(syntheticSubjects: $0, threshold: threshold, margin: margin, seed: seed)
                }
                let identificationEvaluation =
                    identification
                    ? IdentificationEvaluation(
                        gallerySize: gallerySize, threshold: threshold, margin: margin, targetFPIR: targetFPIR, seed: seed, jitter: jitter)
                    : nil
                let report =
                    if let labelList {
                        try evaluator.evaluate(
                            labelList, openSet: openSetEvaluation, identification: identificationEvaluation, engine: engine)
                    } else {
                        try evaluator.evaluate(pairList ?? [], engine: engine)
                    }
                for failure in report.unreadableImages {
                    CommandOutput.error("warning: \(failure.error.message) (its pairs are left out)")
                }
                if let roc { try report.metrics.writeROC(to: roc) }
                if let det, let identification = report.identification { try identification.writeDET(to: det) }
                if json {
                    CommandOutput.json(report.json(upsample: upsample, rocFile: roc))
                } else {
                    CommandOutput.line(report.text(upsample: upsample, rocFile: roc))
                }
                if report.usedPairs == 0 {
                    CommandOutput.error("no pair could be evaluated: every pair has an image without a face or that could not be read")
                    throw ExitCode(ExitStatus.dataError.rawValue)
                }
                if !report.unreadableImages.isEmpty { throw ExitCode(ExitStatus.partialFailure.rawValue) }
            }
        }

        /// --gallery-sizes and --write-calibration: the images described once, then
        /// searched by real strangers and binned; no pairs are built.
        private func runStrangers(_ labelList: LabelList, list: String, heldOut: Int?) throws {
            let engine = try FaceEngine(models: try global.locateModels(), logger: global.makeLogger())
            let evaluator = PairEvaluator(
                root: root ?? Self.directory(of: list), detection: .photo(detector: detector, upsample: upsample),
                decoder: ImageDecoder(maxPixels: maxPixels), threshold: threshold, jitter: jitter)
            let described = try evaluator.describe(labelList, engine: engine)
            defer { described.wipe() }
            for failure in described.unreadableImages {
                CommandOutput.error("warning: \(failure.error.message) (left out)")
            }
            let people = Set(described.photos.map(\.person)).count
            var document: JSONObject = [
                "images": .int(described.images), "images_without_face": .int(described.imagesWithoutFace.count),
                "embedding_seconds": .double(described.embeddingSeconds),
            ]
            var lines = [
                "\(described.images) images, \(described.imagesWithoutFace.count) without a face, \(described.unreadableImages.count) unreadable; "
                    + "embedded in \(Int(described.embeddingSeconds.rounded())) s"
            ]
            if let writeCalibration {
                let calibration = CalibrationBuilder(
                    version: calibrationVersion,
                    provenance:
                        "\(calibrationSource); \(people) people, \(described.photos.count) photos with a face"
                        + (heldOut.map { ", \($0) people of LFW's folds 1-2 held out" } ?? "")
                        + "; detector \(detector.rawValue), plain descriptors; `facegate evaluate --labels \(list) --write-calibration`"
                ).build(described.photos)
                try TextFile.write(calibration.swiftSource, to: writeCalibration)
                document["calibration"] = [
                    "file": .string(writeCalibration), "impostor_pairs": .int(calibration.impostorTotal),
                    "genuine_pairs": .int(calibration.genuineTotal),
                ]
                lines.append(
                    "calibration \(calibrationVersion): \(calibration.impostorTotal) impostor and \(calibration.genuineTotal) genuine pairs written to \(writeCalibration)"
                )
            }
            if let sizes = try strangerGallerySizes() {
                let evaluation = StrangerEvaluation(
                    gallerySizes: sizes, threshold: threshold, margin: margin, targetFPIR: targetFPIR, seed: seed, jitter: jitter,
                    enrolPhotos: enrolPhotos, probesPerPerson: probesPerPerson)
                let given = evaluation.run(described.photos)
                var rows = given.reports.map { StrangerCurve.Row(report: $0, rule: nil) }
                if let strangerOneIn {
                    var recognition = Policy.Recognition.defaults
                    recognition.strangerOneIn = strangerOneIn
                    var rules: [Int: RecognitionRule] = [:]
                    let derived = evaluation.run(described.photos) { size in
                        let rule = RecognitionRule(recognition: recognition, members: size, calibration: .shipped)
                        rules[size] = rule
                        return (rule.threshold, rule.margin)
                    }
                    rows += derived.reports.map { StrangerCurve.Row(report: $0, rule: rules[$0.setup.enrolledPeople]) }
                }
                let curve = StrangerCurve(
                    rows: rows, unfilled: given.unfilled, people: people, photos: described.photos.count, heldOutPeople: heldOut)
                document["strangers"] = curve.json
                lines.append(curve.text)
            }
            if json {
                CommandOutput.json(.object(document))
            } else {
                CommandOutput.line(lines.joined(separator: "\n"))
            }
            if !described.unreadableImages.isEmpty { throw ExitCode(ExitStatus.partialFailure.rawValue) }
        }

        /// The directory part of `path`, nil when it has none (the current directory).
        static func directory(of path: String) -> String? {
            guard let slash = path.lastIndex(of: "/") else { return nil }
            return slash == path.startIndex ? "/" : String(path[..<slash])
        }
    }
}
