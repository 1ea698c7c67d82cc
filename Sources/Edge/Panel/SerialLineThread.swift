import ServiceLifecycle

/// The serial links' services (`PanelLinkService`, `CardReaderService`) drive libosdp
/// on a thread of their own, so that a reply goes out within the 200 ms a peer waits,
/// whatever the recognition threads do. This runs `drive` on such a thread until it
/// returns, and calls `stop` (which must make it return) at shutdown or cancellation.
enum SerialLineThread {
    static func run(name: String, drive: @escaping @Sendable () -> Void, stop: @escaping @Sendable () -> Void) async {
        let (finished, done) = AsyncStream<Void>.makeStream()
        PipelineThread.start(name: name) {
            drive()
            done.finish()
        }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                for await _ in finished {}
            } onCancel: {
                stop()
            }
        } onGracefulShutdown: {
            stop()
        }
    }
}
