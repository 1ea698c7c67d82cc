internal import CV4L2
import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

/// A V4L2 node that captures video, as its driver describes it: the formats it sends
/// natively (not libv4l2's conversions) and the frame sizes of each. A driver makes
/// other nodes too (a video output, metadata, VBI: vivid makes a dozen, a UVC webcam a
/// metadata node beside its camera); those are not cameras and are never listed.
public struct CameraDevice: Sendable, Equatable {
    public struct Format: Sendable, Equatable {
        /// The V4L2 fourcc, four characters (`YUYV`, `Y10 `).
        public var fourcc: String
        /// The driver's description (`YUYV 4:2:2`).
        public var description: String
        /// `640x480`, or `WxH-WxH` for a range (a driver that scales).
        public var sizes: [String]
    }

    public var path: String
    /// The card's name (`HD Webcam C615`, `vivid`), empty when the node cannot be opened.
    public var card: String
    public var formats: [Format]
    /// Why the node could not be asked (no permission), nil when it was.
    public var problem: String?

    /// The capture nodes among `/dev/video0`...`/dev/video63`, in order; a node that
    /// cannot be opened is listed with its problem (it may be a camera).
    public static func captureDevices() -> [CameraDevice] {
        (0..<64).map { "/dev/video\($0)" }.filter { access($0, F_OK) == 0 }.compactMap(describe)
    }

    /// The node at `path` if it captures video (nil for an output or metadata node).
    public static func describe(_ path: String) -> CameraDevice? {
        // The device itself, not libv4l2: its formats as the driver sends them.
        let fd = fg_v4l2_open_direct(path)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENODEV || code == ENXIO { return nil }
            return CameraDevice(
                path: path, card: "", formats: [],
                problem: code == EACCES || code == EPERM
                    ? "no permission to open it: add this user to the 'video' group" : String(cString: strerror(code)))
        }
        defer { close(fd) }
        var capability = v4l2_capability()
        guard fg_v4l2_ioctl(fd, FG_VIDIOC_QUERYCAP, &capability) == 0 else { return nil }
        let caps = capability.device_caps != 0 ? capability.device_caps : capability.capabilities
        guard caps & UInt32(V4L2_CAP_VIDEO_CAPTURE) != 0, caps & UInt32(V4L2_CAP_STREAMING) != 0 else { return nil }
        let card = withUnsafeBytes(of: capability.card) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var formats: [Format] = []
        for index in 0..<256 {
            var description = v4l2_fmtdesc()
            description.index = UInt32(index)
            description.type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
            guard fg_v4l2_ioctl(fd, FG_VIDIOC_ENUM_FMT, &description) == 0 else { break }
            let text = withUnsafeBytes(of: description.description) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            formats.append(
                Format(
                    fourcc: CameraFormat.fourccText(description.pixelformat), description: text,
                    sizes: sizes(fd: fd, pixelFormat: description.pixelformat)))
        }
        return CameraDevice(path: path, card: card, formats: formats, problem: nil)
    }

    private static func sizes(fd: Int32, pixelFormat: UInt32) -> [String] {
        var sizes: [String] = []
        for index in 0..<64 {
            var size = v4l2_frmsizeenum()
            size.index = UInt32(index)
            size.pixel_format = pixelFormat
            guard fg_v4l2_ioctl(fd, FG_VIDIOC_ENUM_FRAMESIZES, &size) == 0 else { break }
            if size.type == UInt32(V4L2_FRMSIZE_TYPE_DISCRETE.rawValue) {
                sizes.append("\(size.discrete.width)x\(size.discrete.height)")
            } else {
                let range = size.stepwise
                sizes.append("\(range.min_width)x\(range.min_height)-\(range.max_width)x\(range.max_height)")
                break
            }
        }
        return sizes
    }

    /// One line for `doctor`: the card, then each format with its sizes; past four
    /// formats (a capture card or vivid offers dozens), the formats and then every size.
    public var summary: String {
        if let problem { return "\(path): \(problem)" }
        let name = card.isEmpty ? path : "\(path) (\(card))"
        guard !formats.isEmpty else { return "\(name): captures video, but lists no format" }
        // `Y10 ` as `Y10`, `Y16 -BE` as `Y16-BE`.
        let trimmed = formats.map { $0.fourcc.split(separator: " ").joined() }
        if formats.count <= 4 {
            return name + ": "
                + zip(trimmed, formats).map { "\($0) \($1.sizes.isEmpty ? "(no sizes listed)" : $1.sizes.joined(separator: ", "))" }
                .joined(separator: "; ")
        }
        var allSizes: [String] = []
        for size in formats.flatMap(\.sizes) where !allSizes.contains(size) { allSizes.append(size) }
        return "\(name): \(formats.count) formats (\(trimmed.joined(separator: ", "))), sizes \(allSizes.joined(separator: ", "))"
    }
}
