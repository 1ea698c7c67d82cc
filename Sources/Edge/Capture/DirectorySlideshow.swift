public import FaceEngine
import FacegateCore
import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

/// A folder of photos played as a video: each image (sorted by name) is shown for
/// `framesPerImage` frames, so that tracking and voting see it as a person standing
/// at the door. Images that do not decode are skipped with a warning.
public final class DirectorySlideshow: FrameSource, @unchecked Sendable {
    public let name: String
    public let frameRate: Double? = 5
    private let files: [String]
    private let framesPerImage: Int
    private let decoder: ImageDecoder
    private var position = 0
    private var current: RGBImage?
    private var frameIndex = 0
    public private(set) var skipped: [String] = []

    /// How many photos the folder holds: what the logs say about it instead of names.
    public var imageCount: Int { files.count }

    /// Told once per image that does not decode: its position, the count and the
    /// error code (not its name, which may be a person's).
    private let onSkip: @Sendable (Int, Int, String) -> Void

    public init(
        path: String, framesPerImage: Int, decoder: ImageDecoder, onSkip: @escaping @Sendable (Int, Int, String) -> Void = { _, _, _ in }
    ) throws(CaptureError) {
        name = "dir:" + path
        self.onSkip = onSkip
        do {
            files = try ImageFileList.files(in: path)
        } catch {
            // A folder that is there but holds no photo is a source without a frame.
            var info = stat()
            let exists = stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            throw CaptureError(exists ? .malformed : .notFound, error.message)
        }
        self.framesPerImage = max(1, framesPerImage)
        self.decoder = decoder
    }

    public func nextFrame() throws -> Frame? {
        while true {
            let imageIndex = position / framesPerImage
            guard imageIndex < files.count else { return nil }
            if loadedIndex != imageIndex {
                do {
                    current = try decoder.decode(file: files[imageIndex])
                    loadedIndex = imageIndex
                } catch {
                    // Once per file, not once per loop (the list would grow forever).
                    if !skipped.contains(files[imageIndex]) {
                        skipped.append(files[imageIndex])
                        onSkip(imageIndex, files.count, error.errorCode)
                    }
                    position = (imageIndex + 1) * framesPerImage
                    continue
                }
            }
            guard let current else { return nil }
            defer {
                position += 1
                frameIndex += 1
            }
            return Frame(image: current, index: frameIndex, timestamp: Double(frameIndex) / (frameRate ?? 5))
        }
    }

    private var loadedIndex = -1

    public func rewind() throws {
        position = 0
        frameIndex = 0
        current = nil
        loadedIndex = -1
    }
}
