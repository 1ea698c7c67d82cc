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
            guard let data = FileManager.default.contents(atPath: path) else {
                throw FaceEngineError(access(path, F_OK) == 0 ? .unreadableFile : .fileNotFound, "cannot read '\(path)'; check the path")
            }
            return [UInt8](data)
        case .bytes(_, let data): return data.withUnsafeBytes { [UInt8]($0) }
        case .frame: return nil
        }
    }
}
