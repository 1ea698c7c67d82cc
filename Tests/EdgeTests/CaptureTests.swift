import Edge
import FaceEngine
import FacegateCore
import FacegateTestSupport
import FacegateTools
import Foundation
import Testing

@Suite("Frame sources", .perTestLimit)
struct CaptureTests {
    func gradient(width: Int, height: Int, shift: Int = 0) -> RGBImage {
        let image = RGBImage(width: width, height: height)
        image.withUnsafeMutablePixels { pixels in
            for y in 0..<height {
                for x in 0..<width {
                    let i = (y * width + x) * 3
                    pixels[i] = UInt8((x * 4 + shift) % 256)
                    pixels[i + 1] = UInt8((y * 3) % 256)
                    pixels[i + 2] = UInt8((x + y) % 256)
                }
            }
        }
        return image
    }

    func meanAbsoluteDifference(_ a: RGBImage, _ b: RGBImage) -> Double {
        a.withUnsafePixels { x in
            b.withUnsafePixels { y in
                Double(zip(x, y).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(x.count)
            }
        }
    }

    @Test("a Y4M clip written by the project's writer reads back, in 4:2:0 and 4:4:4", arguments: [Y4MReader.Chroma.c420, .c444])
    func y4mRoundTrip(chroma: Y4MReader.Chroma) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("clip.y4m")
        let frames = (0..<3).map { gradient(width: 64, height: 48, shift: $0 * 10) }
        let writer = try Y4MWriter(path: path, width: 64, height: 48, fps: 15, chroma: chroma)
        for frame in frames { try writer.append(frame) }
        try writer.finish()
        let reader = try Y4MReader(path: path)
        #expect(reader.width == 64 && reader.height == 48)
        #expect(reader.frameRate == 15)
        #expect(reader.chroma == chroma)
        for original in frames {
            let frame = try #require(try reader.nextFrame())
            // Limited-range YCbCr and (for 4:2:0) chroma subsampling lose a little.
            #expect(meanAbsoluteDifference(frame.image, original) < (chroma == .c444 ? 2.5 : 6))
        }
        #expect(try reader.nextFrame() == nil)
        try reader.rewind()
        #expect(try reader.nextFrame()?.index == 0)
    }

    @Test("malformed Y4M input is refused with the file named")
    func y4mErrors() throws {
        let directory = TemporaryDirectory()
        let text = try directory.write("text.y4m", text: "hello\n")
        #expect(throws: CaptureError.self) { try Y4MReader(path: text) }
        let unsupported = try directory.write("422.y4m", text: "YUV4MPEG2 W64 H48 F15:1 C422\nFRAME\n")
        let error = #expect(throws: CaptureError.self) { try Y4MReader(path: unsupported) }
        #expect(error?.code == .unsupported)
        let truncated = try directory.write("short.y4m", text: "YUV4MPEG2 W64 H48 F15:1 C420jpeg\nFRAME\nabc")
        let reader = try Y4MReader(path: truncated)
        let frameError = #expect(throws: CaptureError.self) { try reader.nextFrame() }
        #expect(frameError?.message.contains("short.y4m") == true)
        #expect(throws: CaptureError.self) { try Y4MReader(path: directory.file("missing.y4m")) }
    }

    @Test("source specifications parse, and bad ones say what is expected")
    func sourceSpec() throws {
        #expect(
            try FrameSourceSpec(parsing: "v4l2:/dev/video2?width=1280&height=720&fps=30")
                == .v4l2(device: "/dev/video2", request: .init(width: 1280, height: 720, fps: 30)))
        #expect(
            try FrameSourceSpec(parsing: "v4l2:/dev/video0")
                == .v4l2(device: "/dev/video0", request: .init(width: 640, height: 480, fps: 15)))
        // A pixel format of the camera's own, as V4L2 spells it; RGB3 is what is asked anyway.
        #expect(
            try FrameSourceSpec(parsing: "v4l2:/dev/video0?format=yuyv&fps=30")
                == .v4l2(device: "/dev/video0", request: .init(width: 640, height: 480, fps: 30, pixelFormat: "YUYV")))
        #expect(
            try FrameSourceSpec(parsing: "v4l2:/dev/video0?format=Y10")
                == .v4l2(device: "/dev/video0", request: .init(width: 640, height: 480, fps: 15, pixelFormat: "Y10 ")))
        #expect(try FrameSourceSpec(parsing: "v4l2:/dev/video0?format=RGB3") == .camera("/dev/video0"))
        for bad in ["v4l2:/dev/video0?format=", "v4l2:/dev/video0?format=YUYV2", "v4l2:/dev/video0?format=Y1-0", "y4m:a.y4m?format=GREY"] {
            let error = #expect(throws: CaptureError.self, "\(bad)") { try FrameSourceSpec(parsing: bad) }
            #expect(error?.code == .invalidArgument)
        }
        #expect(CameraFormat.fourccText(CameraFormat.fourcc("Y16 ")) == "Y16 ")
        #expect(CameraFormat.fourcc("GREY") == CameraPixelFormat.fourcc("GREY"))
        #expect(try FrameSourceSpec(parsing: "y4m:/tmp/a.y4m") == .y4m(path: "/tmp/a.y4m"))
        #expect(try FrameSourceSpec(parsing: "dir:photos?hold=3") == .directory(path: "photos", framesPerImage: 3))
        for bad in ["camera", "http://x", "v4l2:", "v4l2:/dev/video0?fps=-1", "y4m:a?b"] {
            #expect(throws: CaptureError.self, "\(bad)") { try FrameSourceSpec(parsing: bad) }
        }
    }

    @Test("a folder of photos plays as a slideshow, skipping what does not decode")
    func slideshow() throws {
        let directory = TemporaryDirectory()
        try FileManager.default.copyItem(atPath: TestResources.fixture("obama.jpg"), toPath: directory.file("a.jpg"))
        try directory.write("b.jpg", text: "not a photo")
        try FileManager.default.copyItem(atPath: TestResources.fixture("biden.jpg"), toPath: directory.file("c.jpg"))
        let show = try DirectorySlideshow(path: directory.path, framesPerImage: 2, decoder: ImageDecoder())
        var sizes: [Int] = []
        while let frame = try show.nextFrame() { sizes.append(frame.image.width) }
        #expect(sizes == [910, 910, 970, 970])
        #expect(show.skipped == [directory.file("b.jpg")])
    }

    @Test("camera size choice: exact, else the smallest that covers, else the largest")
    func cameraSize() {
        let offered = [(width: 320, height: 240), (width: 1280, height: 720), (width: 800, height: 600), (width: 1920, height: 1080)]
        #expect(
            CameraFormat.chooseSize(offered: offered, request: .init(width: 800, height: 600, fps: 15)).map { [$0.width, $0.height] } == [
                800, 600,
            ])
        #expect(
            CameraFormat.chooseSize(offered: offered, request: .init(width: 640, height: 480, fps: 15)).map { [$0.width, $0.height] } == [
                800, 600,
            ])
        #expect(
            CameraFormat.chooseSize(offered: offered, request: .init(width: 4000, height: 3000, fps: 15)).map { [$0.width, $0.height] } == [
                1920, 1080,
            ])
        #expect(CameraFormat.chooseSize(offered: [], request: .init(width: 640, height: 480, fps: 15)) == nil)
        #expect(CameraFormat.accept(width: 640, height: 480, bytesPerLine: 1920, format: .rgb24) == nil)
        #expect(CameraFormat.accept(width: 640, height: 480, bytesPerLine: 1280, format: .rgb24) != nil)
        #expect(CameraFormat.accept(width: 640, height: 480, bytesPerLine: 1920, format: nil) != nil)
        #expect(CameraFormat.accept(width: 640, height: 480, bytesPerLine: 640, format: .grey) == nil)
        #expect(CameraFormat.accept(width: 640, height: 480, bytesPerLine: 1280, format: .grey16(bits: 10)) == nil)
        #expect(CameraFormat.accept(width: 640, height: 480, bytesPerLine: 640, format: .grey16(bits: 16)) != nil)
    }

    @Test("infrared and monochrome camera formats are read as grey, from the luma's top 8 bits")
    func lumaFormats() {
        #expect(CameraPixelFormat(fourcc: CameraPixelFormat.fourcc("GREY")) == .grey)
        #expect(CameraPixelFormat(fourcc: CameraPixelFormat.fourcc("Y10 ")) == .grey16(bits: 10))
        #expect(CameraPixelFormat(fourcc: CameraPixelFormat.fourcc("Y12 ")) == .grey16(bits: 12))
        #expect(CameraPixelFormat(fourcc: CameraPixelFormat.fourcc("Y16 ")) == .grey16(bits: 16))
        #expect(CameraPixelFormat(fourcc: CameraPixelFormat.fourcc("RGB3")) == .rgb24)
        #expect(CameraPixelFormat(fourcc: CameraPixelFormat.fourcc("YUYV")) == nil)
        // 'GREY' is 0x59455247 in V4L2's headers.
        #expect(CameraPixelFormat.fourcc("GREY") == 0x5945_5247)
        func convert(_ format: CameraPixelFormat, _ bytes: [UInt8], width: Int) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: width * 3)
            bytes.withUnsafeBytes { source in
                out.withUnsafeMutableBufferPointer { format.convertRow(source.baseAddress!, width: width, into: $0.baseAddress!) }
            }
            return out
        }
        #expect(convert(.grey, [0, 17, 255], width: 3) == [0, 0, 0, 17, 17, 17, 255, 255, 255])
        // Y10: 1023 is white, 512 mid-grey, 4 is 1; a value past 10 bits is clamped, not wrapped.
        #expect(
            convert(.grey16(bits: 10), [0xFF, 0x03, 0x00, 0x02, 0x04, 0x00, 0xFF, 0xFF], width: 4) == [
                255, 255, 255, 128, 128, 128, 1, 1, 1, 255, 255, 255,
            ])
        // Y16 little-endian: 0xABCD reads as 0xAB.
        #expect(convert(.grey16(bits: 16), [0xCD, 0xAB, 0x00, 0x01], width: 2) == [0xAB, 0xAB, 0xAB, 1, 1, 1])
        #expect(convert(.grey16(bits: 12), [0xFF, 0x0F], width: 1) == [255, 255, 255])
    }

    @Test("reconnection backs off to a ceiling and treats unplugging as transient")
    func reconnect() {
        let policy = ReconnectPolicy(initialDelay: 0.25, maximumDelay: 5, multiplier: 2)
        #expect((0..<8).map(policy.delay(attempt:)) == [0.25, 0.5, 1, 2, 4, 5, 5, 5])
        #expect(ReconnectPolicy.isDisconnection(errno: ENODEV))
        #expect(ReconnectPolicy.isDisconnection(errno: EIO))
        #expect(!ReconnectPolicy.isDisconnection(errno: EINVAL))
        // Reading a frame of a camera whose driver went away answers EINVAL: gone, not broken.
        #expect(ReconnectPolicy.isDisconnection(frameReadErrno: EINVAL))
        #expect(ReconnectPolicy.isDisconnection(frameReadErrno: ENODEV))
        #expect(!ReconnectPolicy.isDisconnection(frameReadErrno: ENOMEM))
    }

    @Test("a missing camera is a clear error naming the device and the alternative")
    func missingCamera() {
        let error = #expect(throws: CaptureError.self) {
            try V4L2Camera(device: "/dev/video-nonexistent", request: .init(width: 640, height: 480, fps: 15))
        }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("/dev/video-nonexistent") == true)
        #expect(error?.message.contains("--source") == true)
    }

    @Test(
        "capture from a real camera",
        .enabled(if: !V4L2Camera.availableDevices().isEmpty, "no /dev/video* device on this machine: the V4L2 capture test is skipped"))
    func realCamera() throws {
        let device = V4L2Camera.availableDevices()[0]
        let camera = try V4L2Camera(device: device, request: .init(width: 640, height: 480, fps: 15))
        defer { camera.close() }
        let frame = try #require(try camera.nextFrame())
        #expect(frame.image.width == camera.width && frame.image.height == camera.height)
    }
}
