import FacegateCore

/// A benchmark that could not run (its scratch files), with what went wrong.
struct BenchError: Error, UserFacingError {
    let message: String
    init(_ message: String) { self.message = message }
    var errorCode: String { "bench_failed" }
    var exitStatus: ExitStatus { .ioError }
}
