public import Logging
public import ServiceLifecycle

/// Expires door alerts nobody confirmed in time (no confirmation means no action),
/// checking every `interval` of its clock until graceful shutdown.
public struct AlertTimeoutService<C: Clock>: Service where C.Duration == Duration {
    let registry: ConsentRegistry
    let clock: C
    let interval: Duration
    let logger: Logger

    public init(registry: ConsentRegistry, clock: C, interval: Duration = .seconds(1), logger: Logger) {
        self.registry = registry
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                // The policy may be reloaded to enable the deny-list: keep checking.
                if registry.denyList.isEnabled {
                    do {
                        let expired = try registry.expireAlerts()
                        if !expired.isEmpty {
                            logger.notice("door alerts expired without a decision", metadata: ["door.alerts": "\(expired.count)"])
                        }
                    } catch {
                        logger.error("expiring door alerts failed", metadata: ["error": "\(error)"])
                    }
                }
                do { try await clock.sleep(for: interval) } catch { return }
            }
        }
    }
}
