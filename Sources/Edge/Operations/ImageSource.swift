public import FaceEngine
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
    var byteCount: Int {
        if case .bytes(_, let bytes) = self { return bytes.count }
        return 0
    }

    func decode(with decoder: ImageDecoder) throws(FaceEngineError) -> RGBImage {
        switch self {
        case .file(let path): return try decoder.decode(file: path)
        case .frame(_, let image): return image
        case .bytes(let name, let bytes):
            do {
                return try bytes.withUnsafeBytes { raw in try decoder.decode(raw) }
            } catch let error as FaceEngineError {
                throw FaceEngineError(error.code, "'\(name)': \(error.message)")
            } catch {
                throw FaceEngineError(.invalidImage, "'\(name)': \(error)")
            }
        }
    }
}
