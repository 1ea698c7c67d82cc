import ArgumentParser
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

        @Option(help: "With --open-set: how much closer the best subject must be than the second best, as the policy's recognition.margin.")
        var margin: Double = OpenSetEvaluation.defaultMargin

        @Option(help: "With --open-set: the seed of the synthetic subjects (the same seed gives the same figures).")
        var seed: UInt64 = OpenSetEvaluation.defaultSeed

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
            if openSet != nil {
                guard labels != nil else { throw ValidationError("--open-set needs --labels: it compares people, not pairs") }
                _ = try gallerySizes()
                guard margin >= 0 && margin < threshold else {
                    throw ValidationError("--margin must be at least 0 and below the threshold")
                }
            }
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
                let labelList = try labels.map { try LabelList(file: $0) }
                let engine = try FaceEngine(models: try global.locateModels(), logger: global.makeLogger())
                let evaluator = PairEvaluator(
                    root: root ?? Self.directory(of: list), detection: .photo(detector: detector, upsample: upsample),
                    decoder: ImageDecoder(maxPixels: maxPixels), threshold: threshold)
                let openSetEvaluation = try gallerySizes().map {
                    OpenSetEvaluation(syntheticSubjects: $0, threshold: threshold, margin: margin, seed: seed)
                }
                let report =
                    if let labelList {
                        try evaluator.evaluate(labelList, openSet: openSetEvaluation, engine: engine)
                    } else {
                        try evaluator.evaluate(pairList ?? [], engine: engine)
                    }
                for failure in report.unreadableImages {
                    CommandOutput.error("warning: \(failure.error.message) (its pairs are left out)")
                }
                if let roc { try report.metrics.writeROC(to: roc) }
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

        /// The directory part of `path`, nil when it has none (the current directory).
        static func directory(of path: String) -> String? {
            guard let slash = path.lastIndex(of: "/") else { return nil }
            return slash == path.startIndex ? "/" : String(path[..<slash])
        }
    }
}
