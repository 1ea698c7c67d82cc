import FacegateCore
public import Logging
public import ServiceLifecycle

/// Runs the retention sweep at start and then every `interval`, until graceful
/// shutdown. Generic over the clock it sleeps on, so tests drive it with a
/// `ManualClock` (and the registry's `ManualWallClock` for dates).
public struct RetentionService<C: Clock>: Service where C.Duration == Duration {
    let registry: ConsentRegistry
    let clock: C
    let interval: Duration
    let logger: Logger
    let onSweep: @Sendable (ConsentRegistry.RetentionReport) -> Void

    public init(
        registry: ConsentRegistry, clock: C, interval: Duration, logger: Logger,
        onSweep: @escaping @Sendable (ConsentRegistry.RetentionReport) -> Void = { _ in }
    ) {
        self.registry = registry
        self.clock = clock
        self.interval = interval
        self.logger = logger
        self.onSweep = onSweep
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let report = try registry.sweep()
                    if !report.erasedSubjects.isEmpty || report.deletedAccessEvents > 0 {
                        logger.info(
                            "retention sweep",
                            metadata: [
                                "retention.erased_subjects": "\(report.erasedSubjects.count)",
                                "retention.deleted_access_events": "\(report.deletedAccessEvents)",
                            ])
                    }
                    onSweep(report)
                } catch {
                    logger.error("retention sweep failed", metadata: ["error": "\(error)"])
                }
                do {
                    try await clock.sleep(for: interval)
                } catch is CancellationError {
                    return
                }
            }
        }
    }
}
