public import ServiceLifecycle

/// Writes the admin request log's summaries of the minutes that are over, every
/// `interval`, and all of them at graceful shutdown: a client that floods the socket
/// and goes quiet is still summed up in the audit log within a minute. Generic over
/// the clock it sleeps on, so that a test can drive it.
public struct AdminRequestLogService<C: Clock>: Service where C.Duration == Duration {
    let log: AdminRequestLog
    let clock: C
    let interval: Duration

    public init(log: AdminRequestLog, clock: C, interval: Duration = .seconds(60)) {
        self.log = log
        self.clock = clock
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await clock.sleep(for: interval) } catch { break }
                log.flush()
            }
        }
        log.flush(all: true)
    }
}
