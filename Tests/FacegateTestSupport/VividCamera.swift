import Edge
import FaceEngine
public import Foundation

/// vivid's camera in a `UMLGuest`: `/dev/video0` captures, either vivid's own test
/// pattern (its webcam input) or, looped from vivid's HDMI output `/dev/video1`, frames
/// this process feeds it (made from a `facegate make-clip` clip, test data in a
/// temporary directory), so a face of the tests' choosing stands in front of a real
/// V4L2 driver. The loop passes frames through unchanged, but only between identical
/// sizes and formats: what is fed must be in the format the camera is read in.
///
/// The guest boots vivid with the HDMI input first (`parameters`): a driver bound again
/// (a replug) comes back on it, at its default 1280x720 (`Size.hd`), which the output has
/// too, so a camera a daemon has already reopened needs nothing changed on its capture
/// side (an input or timings cannot be changed while someone streams) to show the fed
/// frames. Otherwise the loop runs at 640x480 (`Size.vga`), a third of the pixels for the
/// guest's one CPU and the debug build's per-pixel code.
public final class VividCamera: @unchecked Sendable {
    public static let capture = "/dev/video0"
    public static let output = "/dev/video1"
    /// vivid's module parameters: inputs HDMI (0) and webcam (1), one HDMI output.
    public static let parameters = [
        "vivid.num_inputs=2", "vivid.input_types=0x3", "vivid.num_outputs=1", "vivid.output_types=0x1",
    ]

    /// The HDMI loop's size.
    public enum Size: Sendable {
        /// 640x480p59.94 (vivid's first DV timings), set on both sides: nobody may be
        /// streaming from the camera.
        case vga
        /// 1280x720p60, vivid's default: what a camera just bound again has.
        case hd

        public var width: Int { self == .vga ? 640 : 1280 }
        public var height: Int { self == .vga ? 480 : 720 }
        /// A face at the door: a quarter of the width.
        public var doorFace: Int { width / 4 }
    }

    public let guest: UMLGuest
    private var feeder: UMLGuest.Job?

    public init(guest: UMLGuest) {
        self.guest = guest
    }

    /// The feeder ends with the test that started it.
    deinit { feeder?.stop(grace: 5) }

    /// `v4l2:/dev/video0?width=640&height=480&fps=30` (and `&format=`).
    public static func source(width: Int = Size.vga.width, height: Int = Size.vga.height, fps: Int = 30, format: String? = nil)
        -> String
    {
        "v4l2:\(capture)?width=\(width)&height=\(height)&fps=\(fps)" + (format.map { "&format=\($0)" } ?? "")
    }

    /// The webcam input: vivid's moving test pattern, no face (nobody may be streaming).
    public func showTestPattern() throws {
        try stopFeeding()
        try guest.shell("v4l2-ctl -d \(Self.capture) --set-input 1 -c loop_video=0")
    }

    /// Feeds `frames` (raw frames of `format` at `size`, `rawFrames`) in a loop to the
    /// HDMI output and loops it to the HDMI input, with vivid's on-screen text off: the
    /// camera shows exactly these frames until `stopFeeding`. At `.hd` only controls
    /// change on the capture side, so a daemon may already be streaming from it.
    public func feed(_ frames: String, format: String = "RGB3", size: Size = .vga) throws {
        try stopFeeding()
        let timings =
            size == .hd
            ? ""
            : """
            v4l2-ctl -d \(Self.capture) --set-dv-bt-timings index=0 >/dev/null
            v4l2-ctl -d \(Self.output) --set-dv-bt-timings index=0 >/dev/null
            """
        try guest.shell(
            """
            set -e
            test "$(v4l2-ctl -d \(Self.capture) --get-input | grep -o '[0-9]*' | head -1)" = 0 || v4l2-ctl -d \(Self.capture) --set-input 0 >/dev/null
            \(timings)
            v4l2-ctl -d \(Self.output) --set-fmt-video-out=width=\(size.width),height=\(size.height),pixelformat='\(format)'
            v4l2-ctl -d \(Self.capture) -c loop_video=1 -c osd_text_mode=2
            """)
        feeder = try guest.start([
            "v4l2-ctl", "-d", Self.output, "--stream-out-mmap", "--stream-from", frames, "--stream-loop",
        ])
        // Streaming within a second, or the feeder said why not.
        usleep(500_000)
        if let status = feeder?.status {
            throw UMLGuest.failure("vivid's output refused the frames (\(status)): \(feeder?.stderr ?? "")")
        }
    }

    public func stopFeeding() throws {
        feeder?.stop(grace: 5)
        feeder = nil
    }

    /// Unplugs the camera: unbinds vivid's driver, which takes every /dev/video* away
    /// (as a USB camera pulled out does), while whoever reads it goes on running.
    public func unplug() throws {
        try stopFeeding()
        try guest.shell("echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind; ! test -e \(Self.capture)")
    }

    /// Plugs it in unless it is.
    public func plugIn() throws {
        if (try? guest.shell("test -e \(Self.capture)")) == nil { try replug() }
    }

    /// Plugs it back: binds the driver again (a fresh device, at its defaults).
    public func replug() throws {
        try guest.shell(
            "echo vivid.0 > /sys/bus/platform/drivers/vivid/bind; for i in 1 2 3 4 5 6 7 8 9 10; do test -e \(Self.capture) && exit 0; sleep 0.2; done; exit 1"
        )
    }

    /// The frames of a Y4M `clip` as raw frames of `format` (RGB3, YUYV, GREY, Y10, Y16),
    /// what vivid's output takes, in `path`.
    public static func rawFrames(clip: String, format: String, to path: String) throws {
        let reader = try Y4MReader(path: clip)
        var bytes: [UInt8] = []
        while let frame = try reader.nextFrame() {
            frame.image.withUnsafePixels { rgb in
                for pixel in stride(from: 0, to: rgb.count, by: format == "YUYV" ? 6 : 3) {
                    let (r, g, b) = (Int(rgb[pixel]), Int(rgb[pixel + 1]), Int(rgb[pixel + 2]))
                    let luma = (77 * r + 150 * g + 29 * b + 128) >> 8
                    switch format {
                    case "RGB3": bytes += [rgb[pixel], rgb[pixel + 1], rgb[pixel + 2]]
                    case "GREY": bytes.append(UInt8(luma))
                    case "Y10": bytes += [UInt8((luma << 2) & 0xFF), UInt8(luma >> 6)]
                    case "Y16": bytes += [0, UInt8(luma)]
                    case "YUYV":
                        // Two pixels: limited-range BT.601, the chroma of the first.
                        let (r2, g2, b2) = (Int(rgb[pixel + 3]), Int(rgb[pixel + 4]), Int(rgb[pixel + 5]))
                        func y(_ r: Int, _ g: Int, _ b: Int) -> UInt8 { UInt8(clamping: 16 + (66 * r + 129 * g + 25 * b + 128) >> 8) }
                        let u = UInt8(clamping: 128 + (-38 * r - 74 * g + 112 * b + 128) >> 8)
                        let v = UInt8(clamping: 128 + (112 * r - 94 * g - 18 * b + 128) >> 8)
                        bytes += [y(r, g, b), u, y(r2, g2, b2), v]
                    default: break
                    }
                }
            }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
