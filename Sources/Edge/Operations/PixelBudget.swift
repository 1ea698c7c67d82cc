internal import CLinuxSupport
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How many decoded pixels the photos of enrolments and identifications may hold at
/// once, whoever sent them (the console, the admin socket, a command in-process).
///
/// Uploads are sized by bytes, but a photo costs memory by its pixels: a 46 KB PNG can
/// declare 49 megapixels (147 MB decoded, several times that through detection). So a
/// photo's pixels are read from its header before it is decoded, a photo over
/// `photoPixels` is refused, and the photos in flight together stay within
/// `inFlightPixels`; a request that would pass it waits for room (up to
/// `waitSeconds`), then is refused as busy. When the last photo is done, freed pages go
/// back to the system (`malloc_trim`), so a burst does not leave the daemon large on a
/// 1 GiB board.
final class PixelBudget: Sendable {
    /// 16 megapixels: a 12-megapixel phone photo (4000x3000) and a 16-megapixel camera's
    /// (4608x3456) pass; a face needs a few hundred of those pixels, so anything larger
    /// is resized before it is sent.
    static let photoPixels = 16_000_000
    /// Two of the largest photos at once: as many as the admin workers process together.
    static let inFlightPixels = 2 * photoPixels
    static let waitSeconds = 10.0

    let limit: Int
    private let used = Mutex(0)

    init(limit: Int = PixelBudget.inFlightPixels) { self.limit = limit }

    /// Reserves `pixels`, waiting for room up to `waitSeconds`; false when there was none.
    func reserve(_ pixels: Int, waitSeconds: Double = PixelBudget.waitSeconds) -> Bool {
        var waited = 0.0
        while true {
            let taken = used.withLock { used -> Bool in
                guard used + pixels <= limit else { return false }
                used += pixels
                return true
            }
            if taken { return true }
            guard waited < waitSeconds else { return false }
            usleep(20_000)
            waited += 0.02
        }
    }

    func release(_ pixels: Int) {
        let idle = used.withLock { used -> Bool in
            used = max(0, used - pixels)
            return used == 0
        }
        if idle { _ = fg_linux_release_free_memory() }
    }

    var inUse: Int { used.withLock { $0 } }
}
