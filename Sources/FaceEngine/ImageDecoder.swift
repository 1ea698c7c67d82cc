internal import CDlibFace
import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reads JPEG and PNG files and bytes into `RGBImage`s. The file's bytes are held
/// in memory only while decoding and wiped afterwards; nothing is written anywhere.
public struct ImageDecoder: Sendable {
    /// The most pixels an image may have; checked against the header before any
    /// pixel memory is allocated. 50 MP fits every camera photo we expect (7360x4912
    /// is 36 MP) and keeps the decoded buffer under 150 MB.
    public var maxPixels: Int
    /// The largest file accepted, to refuse absurd inputs before reading them.
    public var maxFileBytes: Int

    public static let defaultMaxPixels = 50_000_000

    public init(maxPixels: Int = ImageDecoder.defaultMaxPixels, maxFileBytes: Int = 256 << 20) {
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
    }

    /// Decodes the image file at `path`.
    public func decode(file path: String) throws(FaceEngineError) -> RGBImage {
        let bytes = try readFile(path)
        defer {
            wipeMemory(bytes.baseAddress, bytes.count)
            bytes.deallocate()
        }
        if bytes.isEmpty {
            throw FaceEngineError(.invalidImage, "'\(path)' is empty (0 bytes): it is not an image; check the file was copied completely")
        }
        do {
            return try decode(UnsafeRawBufferPointer(bytes))
        } catch {
            throw FaceEngineError(error.code, "'\(path)': \(error.message)")
        }
    }

    /// Decodes a JPEG or PNG held in memory.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(FaceEngineError) -> RGBImage {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw FaceEngineError(.invalidImage, "no image data (0 bytes)")
        }
        var error = fg_error()
        var handle: OpaquePointer?
        let status = fg_image_decode(
            base.assumingMemoryBound(to: UInt8.self), bytes.count, UInt64(maxPixels), &handle, &error)
        guard status == FG_OK, let handle else {
            let message = error.text
            // Told apart by the shim's status, never by its wording.
            if status == FG_E_TOO_LARGE {
                throw FaceEngineError(.imageTooLarge, "\(message); raise --max-pixels if this image is genuine")
            }
            throw FaceEngineError(
                FaceEngineError.Code(shimStatus: status),
                "\(message); use an intact JPEG or PNG file")
        }
        return RGBImage(adopting: handle)
    }

    /// The width and height the image's header declares, without decoding a pixel:
    /// what a caller budgets memory by (`PixelBudget`) before `decode`.
    public static func probe(_ bytes: UnsafeRawBufferPointer) throws(FaceEngineError) -> (width: Int, height: Int) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { throw FaceEngineError(.invalidImage, "no image data (0 bytes)") }
        var error = fg_error()
        var width: Int64 = 0
        var height: Int64 = 0
        let status = fg_image_probe(base.assumingMemoryBound(to: UInt8.self), bytes.count, &width, &height, &error)
        guard status == FG_OK else {
            throw FaceEngineError(FaceEngineError.Code(shimStatus: status), "\(error.text); use an intact JPEG or PNG file")
        }
        return (Int(width), Int(height))
    }

    /// Refuses a path that does not exist or is not a regular file, without opening it.
    static func checkRegularFile(_ path: String) throws(FaceEngineError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT { throw FaceEngineError(.fileNotFound, "'\(path)' does not exist; check the path") }
            throw FaceEngineError(.unreadableFile, "cannot read '\(path)': \(String(cString: strerror(code)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw notRegular(path) }
    }

    private static func notRegular(_ path: String) -> FaceEngineError {
        FaceEngineError(.unreadableFile, "'\(path)' is not a regular file (a pipe, a device or a directory); pass an image file")
    }

    /// The file's bytes, in memory the caller wipes and deallocates. Opened without
    /// blocking (a FIFO swapped in after a check would otherwise wait for a writer for
    /// ever), and refused unless it is a regular file.
    func readFile(_ path: String) throws(FaceEngineError) -> UnsafeMutableRawBufferPointer {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT {
                throw FaceEngineError(.fileNotFound, "'\(path)' does not exist; check the path")
            }
            throw FaceEngineError(.unreadableFile, "cannot open '\(path)': \(String(cString: strerror(code)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw FaceEngineError(.unreadableFile, "cannot stat '\(path)': \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw Self.notRegular(path) }
        let size = Int(info.st_size)
        guard size <= maxFileBytes else {
            throw FaceEngineError(.imageTooLarge, "'\(path)' is \(size) bytes, over the \(maxFileBytes)-byte limit for an image file")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        var offset = 0
        while offset < size {
            let n = read(fd, buffer.baseAddress! + offset, size - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let code = errno
                wipeMemory(buffer.baseAddress, size)
                buffer.deallocate()
                throw FaceEngineError(
                    .unreadableFile,
                    "reading '\(path)' failed: \(n == 0 ? "the file shrank while being read" : String(cString: strerror(code)))")
            }
            offset += n
        }
        return buffer
    }
}
