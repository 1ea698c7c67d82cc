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
        do {
            files = try ImageFileList.files(in: path)
        } catch {
            throw CaptureError(.notFound, error.message)
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
