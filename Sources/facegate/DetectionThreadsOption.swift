import ArgumentParser
import FaceEngine

/// `--detection-threads` of the benchmarks: how many threads one HOG detection uses,
/// so that the split scan can be measured against one thread and dlib's own detector.
struct DetectionThreadsOption: ParsableArguments {
    @Option(
        name: .customLong("detection-threads"),
        help: ArgumentHelp(
            "Threads one HOG detection uses: 2 splits the image pyramid between two cores, 1 scans it on one, 0 runs dlib's own detector (default: 2 on a machine of two cores or more).",
            valueName: "N"))
    var value: Int?

    func validate() throws {
        if let value, !(0...2).contains(value) { throw ValidationError("--detection-threads must be 0, 1 or 2") }
    }

    static func describe(_ threads: Int) -> String {
        threads == 0 ? "dlib's own detector (1 thread)" : "\(threads) thread\(threads == 1 ? "" : "s") per detection"
    }
}
