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

        @Flag(help: "Print one JSON document.")
        var json = false

        @Option(help: "Times to double each image before detection, to find faces smaller than 80 px (0-4).")
        var upsample: Int = 1

        @Option(name: .customLong("max-pixels"), help: "Refuse images whose header claims more pixels than this.")
        var maxPixels: Int = ImageDecoder.defaultMaxPixels

        func validate() throws {
            guard (pairs == nil) != (labels == nil) else { throw ValidationError("give either --pairs or --labels") }
            guard threshold > 0 && threshold < 4 else { throw ValidationError("--threshold must be between 0 and 4") }
            guard (0...4).contains(upsample) else { throw ValidationError("--upsample must be between 0 and 4") }
            guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
        }

        func run() async throws {
            try await runReportingErrors(json: json) {
                let list = pairs ?? labels ?? ""
                let pairList = if let pairs { try PairList(file: pairs).pairs } else { try LabelList(file: list).allPairs }
                let engine = try FaceEngine(models: try global.locateModels(), logger: global.makeLogger())
                let evaluator = PairEvaluator(
                    root: root ?? Self.directory(of: list), detection: DetectionOptions(upsample: upsample),
                    decoder: ImageDecoder(maxPixels: maxPixels), threshold: threshold)
                let report = try evaluator.evaluate(pairList, engine: engine)
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
