import FaceEngine
import FacegateCore
import FacegateTestSupport
import Foundation
import Testing

@Suite("Image decoding and bad input", .perTestLimit)
struct ImageDecoderTests {
    let decoder = ImageDecoder()

    @Test("JPEG and PNG fixtures decode to their real size")
    func decodesFixtures() throws {
        let jpeg = try decoder.decode(file: TestResources.fixture("obama.jpg"))
        #expect(jpeg.width == 910 && jpeg.height == 1137)
        let png = try decoder.decode(file: TestResources.fixture("32bit.png"))
        #expect(png.width == 626 && png.height == 1200)
    }

    @Test("a progressive JPEG of thousands of empty scans is refused at its hundredth scan instead of decoded for minutes")
    func scanBomb() throws {
        let bomb = [UInt8](try PixelBomb.progressiveJPEG(width: 4_000, height: 4_000, extraScans: 2_000))
        #expect(bomb.count < 200_000)
        let refused = #expect(throws: FaceEngineError.self) { try bomb.withUnsafeBytes { try decoder.decode($0) } }
        #expect(refused?.code == .invalidImage && refused?.message.contains("more than 100 scans") == true, "\(refused?.message ?? "")")
        let plain = [UInt8](try PixelBomb.progressiveJPEG(width: 640, height: 480, extraScans: 20))
        #expect(try plain.withUnsafeBytes { try decoder.decode($0) }.width == 640, "a progressive JPEG of a few dozen scans decodes")
        let size = try plain.withUnsafeBytes { try ImageDecoder.probe($0) }
        #expect(size.width == 640 && size.height == 480)
    }

    @Test("bytes in memory decode exactly like the file")
    func memoryEqualsFile() throws {
        let path = TestResources.fixture("biden.jpg")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let fromFile = try decoder.decode(file: path)
        let fromMemory = try bytes.withUnsafeBytes { try decoder.decode($0) }
        let same = fromFile.withUnsafePixels { a in fromMemory.withUnsafePixels { b in a.elementsEqual(b) } }
        #expect(same)
    }

    @Test("a missing file is named, with what to do")
    func missingFile() {
        let error = #expect(throws: FaceEngineError.self) { try decoder.decode(file: "/nonexistent/photo.jpg") }
        #expect(error?.code == .fileNotFound)
        #expect(error?.message.contains("/nonexistent/photo.jpg") == true)
        #expect(error?.exitStatus == .noInput)
    }

    @Test("an empty file is refused as not an image")
    func emptyFile() throws {
        let directory = TemporaryDirectory()
        let path = try directory.write("empty.jpg", bytes: [])
        let error = #expect(throws: FaceEngineError.self) { try decoder.decode(file: path) }
        #expect(error?.code == .invalidImage)
        #expect(error?.message.contains("empty.jpg") == true)
        #expect(error?.message.contains("empty") == true)
    }

    @Test("a truncated JPEG is an error, not a half-grey picture")
    func truncatedJPEG() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestResources.fixture("obama.jpg"))))
        let truncated = Array(bytes.prefix(bytes.count * 6 / 10))
        let error = #expect(throws: FaceEngineError.self) { try truncated.withUnsafeBytes { try decoder.decode($0) } }
        #expect(error?.code == .invalidImage)
        #expect(error?.message.contains("truncated") == true)
    }

    @Test("a truncated PNG is an error")
    func truncatedPNG() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestResources.fixture("32bit.png"))))
        let truncated = Array(bytes.prefix(bytes.count / 2))
        let error = #expect(throws: FaceEngineError.self) { try truncated.withUnsafeBytes { try decoder.decode($0) } }
        #expect(error?.code == .invalidImage)
    }

    @Test("a text file named .jpg is refused by its signature")
    func textFileNamedJPEG() throws {
        let directory = TemporaryDirectory()
        let path = try directory.write("notes.jpg", text: "this is a shopping list, not a photo\n")
        let error = #expect(throws: FaceEngineError.self) { try decoder.decode(file: path) }
        #expect(error?.code == .invalidImage)
        #expect(error?.message.contains("notes.jpg") == true)
        #expect(error?.message.contains("not a JPEG or PNG") == true)
    }

    @Test("a PNG whose header claims 100000x100000 pixels is refused from the header alone")
    func hugePNGHeader() throws {
        // Signature and an IHDR chunk only: there is no pixel data at all, so a decoder
        // that got past the size check would fail differently (and first try to
        // allocate 30 GB).
        let png = SyntheticPNG.header(width: 100_000, height: 100_000)
        let error = #expect(throws: FaceEngineError.self) { try png.withUnsafeBytes { try decoder.decode($0) } }
        #expect(error?.code == .imageTooLarge)
        #expect(error?.message.contains("100000x100000") == true)
    }

    @Test("the pixel limit applies to real JPEGs too")
    func pixelLimitOnJPEG() throws {
        let small = ImageDecoder(maxPixels: 1_000_000)
        let error = #expect(throws: FaceEngineError.self) { try small.decode(file: TestResources.fixture("obama3.jpg")) }
        #expect(error?.code == .imageTooLarge)
    }

    @Test("a directory given as an image is refused")
    func directoryAsImage() throws {
        let directory = TemporaryDirectory()
        let error = #expect(throws: FaceEngineError.self) { try decoder.decode(file: directory.path) }
        #expect(error?.code == .unreadableFile)
    }
}
