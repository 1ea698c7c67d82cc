import Foundation

/// A small tmpfs mounted for one test, so that a disk can really fill up. Needs the
/// right to mount (root in CI); `isAvailable` tells a test whether to run.
public final class SmallFilesystem: @unchecked Sendable {
    public let path: String
    private let holder: TemporaryDirectory

    /// Whether this process may mount a tmpfs (tried once, on a scratch directory).
    public static let isAvailable: Bool = (try? SmallFilesystem(bytes: 64 * 1024)) != nil

    public init(bytes: Int) throws {
        holder = TemporaryDirectory(prefix: "fgfs")
        path = holder.path
        let status = mount("tmpfs", path, "tmpfs", 0, "size=\(bytes),mode=0755")
        guard status == 0 else {
            throw CocoaError(
                .fileWriteNoPermission, userInfo: [NSLocalizedDescriptionKey: "mount tmpfs: \(String(cString: strerror(errno)))"])
        }
    }

    /// Writes zeros to `name` until the filesystem is full; returns the file's path.
    @discardableResult
    public func fill(_ name: String = "filler") -> String {
        let target = path + "/" + name
        let fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot create \(target)")
        let chunk = [UInt8](repeating: 0, count: 4096)
        var size = chunk.count
        while size > 0 {
            if write(fd, chunk, size) < 0 {
                if errno == ENOSPC { size /= 2 } else { break }
            }
        }
        close(fd)
        return target
    }

    deinit {
        umount2(path, Int32(MNT_DETACH))
    }
}
