public import ServiceLifecycle
import Synchronization

/// The recognition pipeline as a `Service`: stops after its current frame on
/// graceful shutdown (SIGTERM, SIGINT).
///
/// A failure of the pipeline (a source without a frame, a truncated video) ends the
/// service normally, which shuts the group down, and is kept for `rethrowFailure`:
/// thrown to the group, the service group would log it, and its message names the
/// source's path, which may be a person's name. The command reports it to its user.
public struct PipelineService: Service {
    public let pipeline: RecognitionPipeline
    private let failure = FailureBox()

    public init(pipeline: RecognitionPipeline) {
        self.pipeline = pipeline
    }

    public func run() async throws {
        let pipeline = self.pipeline
        do {
            try await withGracefulShutdownHandler {
                try await withTaskCancellationHandler {
                    try await pipeline.run()
                } onCancel: {
                    pipeline.stop()
                }
            } onGracefulShutdown: {
                pipeline.stop()
            }
        } catch let error as CancellationError {
            throw error
        } catch {
            failure.error.withLock { $0 = error }
        }
    }

    /// Throws the error the pipeline stopped with, if any (after the group has run).
    public func rethrowFailure() throws {
        if let error = failure.error.withLock({ $0 }) { throw error }
    }

    private final class FailureBox: Sendable {
        let error = Mutex<(any Error)?>(nil)
    }
}
