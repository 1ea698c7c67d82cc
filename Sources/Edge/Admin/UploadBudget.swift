internal import CLinuxSupport
import Synchronization

/// The memory all connections' uploads may hold at once. When it all comes back,
/// the freed pages are returned to the system (`malloc_trim`), so a burst of large
/// uploads does not leave the daemon large on a 1 GiB board.
package final class UploadBudget: Sendable {
    let limit: Int
    private let used = Mutex(0)

    package init(limit: Int) { self.limit = limit }

    package func reserve(_ bytes: Int) -> Bool {
        used.withLock { used in
            guard used + bytes <= limit else { return false }
            used += bytes
            return true
        }
    }

    package func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        let idle = used.withLock { used -> Bool in
            used = max(0, used - bytes)
            return used == 0
        }
        if idle { _ = fg_linux_release_free_memory() }
    }

    var inUse: Int { used.withLock { $0 } }
}
