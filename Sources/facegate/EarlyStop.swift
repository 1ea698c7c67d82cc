import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM and SIGINT from the first instant of `facegate run`: loading the models
/// and opening the vault take a moment before the service group installs its own
/// handlers, and a signal then used to kill the process (exit 143, no summary). A
/// signal in that window is remembered here, and `EarlyStop.Service`, the first
/// service of the group, turns it into a graceful shutdown.
enum EarlyStop {
    static let requested = Atomic<Bool>(false)

    /// Installs the handlers; call first thing.
    static func install() {
        _ = requested.load(ordering: .relaxed)  // initialised before any handler may run
        signal(SIGTERM) { _ in EarlyStop.requested.store(true, ordering: .relaxed) }
        signal(SIGINT) { _ in EarlyStop.requested.store(true, ordering: .relaxed) }
    }

    /// Ends at once (shutting the group down) when a signal came before the group
    /// ran; otherwise waits for the group's graceful shutdown.
    struct Service: ServiceLifecycle.Service {
        func run() async throws {
            if EarlyStop.requested.load(ordering: .relaxed) { return }
            try? await gracefulShutdown()
        }
    }
}
