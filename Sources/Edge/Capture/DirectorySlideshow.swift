import FoundationEssentials

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

    public init(path: String, framesPerImage: Int, decoder: ImageDecoder) throws(CaptureError) {
        name = "dir:" + path
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else {
            throw CaptureError(.notFound, "cannot list the folder '\(path)'; check it exists")
        }
        files = entries.filter { name in
            let lower = name.lowercased()
            return lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") || lower.hasSuffix(".png")
        }.sorted().map { path + "/" + $0 }
        guard !files.isEmpty else { throw CaptureError(.notFound, "the folder '\(path)' holds no .jpg or .png image") }
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
                    skipped.append(files[imageIndex])
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
