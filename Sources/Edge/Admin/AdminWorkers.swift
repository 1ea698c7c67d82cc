internal import CLinuxSupport
public import FacegateCore
import NIOPosix

/// The threads that run admin commands' blocking work (identification, enrolment,
/// exports, database writes) in the daemon: few, and at a lower CPU priority (nice
/// 10) than the door's two pipeline threads, so that two `identify` requests cannot
/// take the door's frame rate, and never on Swift's cooperative pool, so that
/// `status` and new connections are answered at once.
public final class AdminWorkers: Sendable {
    private let pool: NIOThreadPool
    public static let niceness: Int32 = 10

    public init(threads: Int = 2) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    /// Runs `work` on a worker thread.
    public func run(_ work: @escaping @Sendable () throws -> JSONValue) async throws -> JSONValue {
        try await pool.runIfActive {
            // Per thread on Linux: lowers only this worker, not the daemon.
            _ = fg_linux_set_thread_nice(Self.niceness)
            return try work()
        }
    }

    public func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
