public import ServiceLifecycle

/// The recognition pipeline as a `Service`: stops after its current frame on
/// graceful shutdown (SIGTERM, SIGINT).
public struct PipelineService: Service {
    public let pipeline: RecognitionPipeline

    public init(pipeline: RecognitionPipeline) {
        self.pipeline = pipeline
    }

    public func run() async throws {
        let pipeline = self.pipeline
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await pipeline.run()
            } onCancel: {
                pipeline.stop()
            }
        } onGracefulShutdown: {
            pipeline.stop()
        }
    }
}
