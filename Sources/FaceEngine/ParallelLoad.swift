import Dispatch
import Synchronization

/// Runs one loading step on another thread while the caller does the others: dlib's
/// HOG detector is decompressed from the library (about 0.45 s, half of a command's
/// start-up on this board) and needs nothing the model files do, so the two overlap.
final class ParallelLoad<Value: Sendable>: Sendable {
    private let result = Mutex<Result<Value, FaceEngineError>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () throws(FaceEngineError) -> Value) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let outcome: Result<Value, FaceEngineError>
            do throws(FaceEngineError) { outcome = .success(try work()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
    }

    /// Waits for the step and returns its value, or throws its error.
    func value() throws(FaceEngineError) -> Value {
        done.wait()
        done.signal()  // a second wait (after an error elsewhere) returns at once
        return try result.withLock { $0! }.get()
    }
}
