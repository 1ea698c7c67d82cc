import FacegateCore
import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

/// An image given to a command: a file on the device, or bytes sent over the admin
/// socket (which are decoded in memory and never written anywhere).
public enum ImageSource: Sendable {
    case file(String)
    case bytes(name: String, ImageBytes)
    /// A frame already in memory (camera enrolment).
    case frame(name: String, RGBImage)

    public var name: String {
        switch self {
        case .file(let path): path
        case .bytes(let name, _): name
        case .frame(let name, _): name
        }
    }

    /// Bytes held in memory (uploads), for the admin socket's upload budget.
    public var byteCount: Int {
        if case .bytes(_, let bytes) = self { return bytes.count }
        return 0
    }

    /// Refuses, without opening it, a file that does not exist or is not a regular file
    /// (a FIFO, a device, a directory): reading one could block for ever, and a command
    /// checks its photos before it takes the state directory's lock.
    public func checkReadable() throws(FaceEngineError) {
        guard case .file(let path) = self else { return }
        try ImageDecoder.checkRegularFile(path)
    }

    /// The same image held in memory: a file is read (once, wiped when released), so
    /// that its header can be read before it is decoded.
    public func inMemory() throws(FaceEngineError) -> ImageSource {
        guard case .file(let path) = self else { return self }
        let buffer = try ImageDecoder().readFile(path)
        defer {
            wipeMemory(buffer.baseAddress, buffer.count)
            buffer.deallocate()
        }
        if buffer.isEmpty {
            throw FaceEngineError(.invalidImage, "'\(path)' is empty (0 bytes): it is not an image; check the file was copied completely")
        }
        return .bytes(name: path, ImageBytes([UInt8](buffer)))
    }

    /// The width and height the image declares, without decoding it (a frame's own).
    public func dimensions() throws(FaceEngineError) -> (width: Int, height: Int) {
        switch self {
        case .frame(_, let image): return (image.width, image.height)
        case .file: return try inMemory().dimensions()
        case .bytes(let name, let bytes):
            do {
                return try bytes.withUnsafeBytes { raw throws(FaceEngineError) in try ImageDecoder.probe(raw) }
            } catch {
                throw FaceEngineError(error.code, "'\(name)': \(error.message)")
            }
        }
    }

    public func decode(with decoder: ImageDecoder) throws(FaceEngineError) -> RGBImage {
        switch self {
        case .file(let path): return try decoder.decode(file: path)
        case .frame(_, let image): return image
        case .bytes(let name, let bytes):
            do {
                return try bytes.withUnsafeBytes { raw throws(FaceEngineError) in try decoder.decode(raw) }
            } catch {
                throw FaceEngineError(error.code, "'\(name)': \(error.message)")
            }
        }
    }

    /// The encoded bytes of a file or an upload, to send elsewhere (the CLI uploads
    /// them to the daemon); nil for a frame, which is already decoded. The caller
    /// wipes them after use.
    public func encodedBytes() throws(FaceEngineError) -> [UInt8]? {
        switch self {
        case .file(let path):
            let buffer = try ImageDecoder().readFile(path)
            defer {
                wipeMemory(buffer.baseAddress, buffer.count)
                buffer.deallocate()
            }
            return [UInt8](buffer)
        case .bytes(_, let data): return data.withUnsafeBytes { [UInt8]($0) }
        case .frame: return nil
        }
    }
}
