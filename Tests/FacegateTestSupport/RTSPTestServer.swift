public import Foundation

/// An IP camera for the tests: `scripts/rtsp-test-server.py` (GStreamer's RTSP server,
/// Debian's python3-gi) serving a Y4M clip in a loop on loopback. Stopped with SIGKILL,
/// as a camera losing power would; `restart` brings it back on the same port.
public final class RTSPTestServer: @unchecked Sendable {
    public static let python = "/usr/bin/python3"
    static var script: String { TestResources.repositoryRoot + "/scripts/rtsp-test-server.py" }

    /// Whether a missing RTSP server fails the test (`make test` sets it) instead of skipping it.
    public static var required: Bool { TestResources.environment["FACEGATE_REQUIRE_RTSP"] == "1" }

    /// Why the server cannot run here, or nil.
    public static let missing: String? = {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = [
            "-c",
            "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer, Gst; Gst.init(None); "
                + "assert Gst.ElementFactory.find('openh264enc') and Gst.ElementFactory.find('rtspsrc')",
        ]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return "\(python) is missing" }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
            ? nil
            : "GStreamer's RTSP server, openh264enc or rtspsrc is missing (python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-bad and -good: make deps)"
    }()

    public static var skipMessage: String {
        "missing \(missing ?? ""); `make test` installs it (FACEGATE_REQUIRE_RTSP=1 fails instead)"
    }

    public let clip: String
    public let codec: String
    public let user: String?
    public let passwordFile: String?
    public let mark: Int?
    public private(set) var port = 0
    private var process: Process?
    private let collected = OutputCollector()

    /// Starts serving `clip` (`codec`: h264 or mjpeg) on a free port; with `user`, only
    /// to that user with the password in `passwordFile`. `mark`: the loop's frame whose
    /// due time is reported (`shown`).
    public init(clip: String, codec: String = "h264", user: String? = nil, passwordFile: String? = nil, mark: Int? = nil) throws {
        self.clip = clip
        self.codec = codec
        self.user = user
        self.passwordFile = passwordFile
        self.mark = mark
        try start()
    }

    /// `rtsp://127.0.0.1:PORT/door`.
    public var url: String { "rtsp://127.0.0.1:\(port)/door" }

    /// When the marked frame was due to leave the server, each loop (wall clock).
    public var shown: [Date] {
        collected.lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.text.utf8)) as? [String: Any])?["shown"] as? Double
        }.map { Date(timeIntervalSince1970: $0) }
    }

    private func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        var arguments = [Self.script, "--port", "\(port)", "--clip", clip, "--codec", codec]
        if let user, let passwordFile { arguments += ["--user", user, "--password-file", passwordFile] }
        if let mark { arguments += ["--mark", "\(mark)"] }
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let collected = self.collected
        output.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData) }
        errors.fileHandleForReading.readabilityHandler = { handle in collected.appendError(handle.availableData) }
        // A restart's own line, not the first start's.
        let earlier = collected.lines.count
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let ready = collected.lines.dropFirst(earlier).last(where: { $0.text.hasPrefix("ready ") }),
                let bound = ready.text.split(separator: ":").last.flatMap({ Int($0.split(separator: "/").first ?? "") })
            {
                port = bound
                return
            }
            if !process.isRunning { break }
            usleep(50_000)
        }
        throw NSError(
            domain: "facegate-tests", code: 2,
            userInfo: [NSLocalizedDescriptionKey: "the RTSP test server did not start: \(collected.errorText)"])
    }

    /// Cuts the stream at once, as a camera losing power does.
    public func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Serves again, on the same port.
    public func restart() throws {
        stop()
        try start()
    }

    deinit { stop() }
}
