import FacegateTestSupport
import Foundation
import Testing

/// `facegate run --source rtsp://…` against a real RTSP server on loopback (GStreamer's,
/// `scripts/rtsp-test-server.py`) streaming a clip made of the fixtures: a member
/// decided over H.264 and MJPEG, the stream cut and restored, wrong credentials, a
/// camera that is not there, and `doctor` checking the configured camera.
@Suite(
    "IP cameras over RTSP", .serialized, .perTestLimit,
    .enabled(if: RTSPTestServer.missing == nil || RTSPTestServer.required, Comment(rawValue: RTSPTestServer.skipMessage)))
struct RTSPEndToEndTests {
    /// An appliance whose policy names the camera's user, with Obama enrolled, a clip of
    /// him stepping up (1 s) and leaving (2 s), and the camera's password as a systemd
    /// credential would give it.
    final class Door: @unchecked Sendable {
        static let user = "door-camera"
        let appliance: RunEndToEndTests.Appliance
        let obama: String
        let clip: String
        let credentials: String
        let password = "pw-\(Int.random(in: 100_000...999_999))-kestrel"

        init() throws {
            #expect(RTSPTestServer.missing == nil, "\(RTSPTestServer.skipMessage)")
            appliance = try RunEndToEndTests.Appliance()
            try Self.addToPolicy(appliance.fixture.policyPath, "source_user = \"\(Self.user)\"")
            obama = try appliance.enrolObama()
            clip = try appliance.clip("door.y4m", [TestResources.fixture("obama3.jpg") + ":1:160", "blank:2"])
            credentials = appliance.fixture.directory.file("credentials")
            try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
            try (password + "\n").write(toFile: credentials + "/facegate-rtsp-password", atomically: true, encoding: .utf8)
        }

        /// Adds `lines` to the policy's [appliance] table.
        static func addToPolicy(_ path: String, _ lines: String) throws {
            let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(
                of: "service_user = \"facegate\"", with: "service_user = \"facegate\"\n" + lines)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }

        /// The camera, serving the clip to `user` with `password` only.
        func camera(codec: String = "h264", mark: Int? = nil) throws -> RTSPTestServer {
            let file = appliance.fixture.directory.file("camera-password")
            try password.write(toFile: file, atomically: true, encoding: .utf8)
            return try RTSPTestServer(clip: clip, codec: codec, user: Self.user, passwordFile: file, mark: mark)
        }

        var environment: [String: String] { ["CREDENTIALS_DIRECTORY": credentials] }

        func daemon(_ camera: RTSPTestServer) throws -> DaemonProcess {
            try DaemonProcess(
                arguments: ["--source", camera.url, "--policy", appliance.fixture.policyPath, "--log-level", "info"],
                socketPath: appliance.fixture.socketPath, environment: environment)
        }

        func status() throws -> FacegateProcess.Result {
            try appliance.run(["status", "--json"])
        }

        func isMember(_ event: [String: Any]) -> Bool {
            event["decision"] as? String == "member" && event["subject"] as? String == obama
        }
    }

    @Test(
        "an IP camera streaming a member's face (H.264 or MJPEG) gives a member decision, and its password is in no log, event or status",
        arguments: ["h264", "mjpeg"])
    func memberDecided(codec: String) throws {
        let door = try Door()
        let camera = try door.camera(codec: codec, mark: 0)
        let daemon = try door.daemon(camera)
        let first = daemon.waitForEvent(seconds: 30, door.isMember)
        #expect(first != nil, "a member decision: \(daemon.events) \(daemon.errorText)")
        // Three more visits, for the latency from the frame the face appears in.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, daemon.eventArrivals.filter({ door.isMember($0.event) }).count < 4 { usleep(200_000) }
        let status = try door.status()
        #expect(status.status == 0, "\(status.stderr)")
        let camerastatus = status.jsonLines.first?["camera"] as? [String: Any]
        #expect(camerastatus?["up"] as? Bool == true, "\(status.stdout)")
        #expect(daemon.stop() == 0)
        let logs = daemon.errorText
        #expect(logs.contains(codec == "h264" ? "H264" : "JPEG"), "the codec is logged: \(logs)")
        #expect(logs.contains("rtsp://127.0.0.1:\(camera.port)"), "the camera's host is logged: \(logs)")
        for text in [logs, status.stdout, status.stderr, daemon.events.description] {
            #expect(!text.contains(door.password), "the password leaked: \(text)")
            #expect(!text.contains("\(camera.port)/door"), "the stream's path is not logged: \(text)")
        }
        let latencies = daemon.eventArrivals.filter { door.isMember($0.event) }.compactMap { decision in
            camera.shown.last { $0 <= decision.arrived }.map { decision.arrived.timeIntervalSince($0) }
        }.sorted()
        try #require(!latencies.isEmpty, "decisions with a shown face before them")
        print(
            "rtsp \(codec) 640x480: decision latency from the face's first frame, median \(latencies[latencies.count / 2]) s of \(latencies)"
        )
    }

    @Test("the stream cut and restored: the daemon reports the camera down, keeps its socket up, and decides again when it returns")
    func streamCutAndRestored() throws {
        let door = try Door()
        let camera = try door.camera()
        let daemon = try door.daemon(camera)
        #expect(daemon.waitForEvent(seconds: 30, door.isMember) != nil, "\(daemon.errorText)")
        camera.stop()
        var down = false
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !down {
            let status = try door.status()
            #expect(status.status == 0, "the socket answers while the camera is down: \(status.stderr)")
            down = (status.jsonLines.first?["camera"] as? [String: Any])?["up"] as? Bool == false
            if !down { usleep(500_000) }
        }
        #expect(down, "status says the camera is down")
        let cut = Date()
        try camera.restart()
        let returned = Date().addingTimeInterval(30)
        var decidedAgain = false
        while Date() < returned, !decidedAgain {
            decidedAgain = daemon.eventArrivals.contains { $0.arrived > cut && door.isMember($0.event) }
            if !decidedAgain { usleep(200_000) }
        }
        #expect(decidedAgain, "a member decided after the camera returned: \(daemon.errorText)")
        let status = try door.status()
        #expect((status.jsonLines.first?["camera"] as? [String: Any])?["up"] as? Bool == true, "\(status.stdout)")
        #expect(daemon.process.isRunning)
        #expect(daemon.stop() == 0)
    }

    @Test("a wrong, missing or inline password stops run with an error naming what to fix, and never repeats the password")
    func credentialsRefused() throws {
        let door = try Door()
        let camera = try door.camera()
        let arguments = ["run", "--source", camera.url, "--console", "off", "--log-level", "warning"]
        // The right user, a wrong password.
        let wrong = try FacegateProcess(environment: door.environment)
        try "not-the-password".write(toFile: door.credentials + "/facegate-rtsp-password", atomically: true, encoding: .utf8)
        let refused = try wrong.run(arguments + ["--policy", door.appliance.fixture.policyPath])
        #expect(refused.status == 78, "\(refused.status): \(refused.stderr)")
        #expect(refused.stderr.contains("refused the user and password"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("not-the-password"))
        // A user in the policy and no credential.
        let missing = try door.appliance.run(arguments)
        #expect(missing.status == 78 && missing.stderr.contains("facegate-rtsp-password"), "\(missing.status): \(missing.stderr)")
        // No user at all: the camera asks for one.
        let anonymous = try RunEndToEndTests.Appliance()
        let asked = try anonymous.run(arguments)
        #expect(asked.status == 78 && asked.stderr.contains("asks for a user and password"), "\(asked.status): \(asked.stderr)")
        // The password in the address: refused before anything connects, and not echoed.
        let inline = try anonymous.run([
            "run", "--source", "rtsp://\(Door.user):\(door.password)@127.0.0.1:\(camera.port)/door", "--console", "off",
        ])
        #expect(inline.status == 64 && inline.stderr.contains("source_user"), "\(inline.status): \(inline.stderr)")
        #expect(!inline.stderr.contains(door.password) && !inline.stdout.contains(door.password))
    }

    @Test("an IP camera that drops while someone is being enrolled from it ends the enrolment with an error, nothing enrolled")
    func enrolmentCameraDrops() throws {
        let door = try Door()
        // Nobody in front of the camera: the enrolment waits for faces.
        let empty = try door.appliance.clip("empty.y4m", ["blank:3"])
        let file = door.appliance.fixture.directory.file("camera-password")
        try door.password.write(toFile: file, atomically: true, encoding: .utf8)
        let camera = try RTSPTestServer(clip: empty, user: Door.user, passwordFile: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestResources.facegateBinary)
        process.arguments = [
            "enroll", "--camera", "--source", camera.url, "--name", "Ada", "--notice", "2026-01", "--purpose", "entry", "--method",
            "tablet", "--policy", door.appliance.fixture.policyPath,
        ]
        process.environment = FacegateProcess(environment: door.environment).environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        sleep(4)
        #expect(process.isRunning, "the enrolment waits for a face")
        camera.stop()
        let deadline = Date().addingTimeInterval(40)
        while process.isRunning, Date() < deadline { usleep(200_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 69, "\(process.terminationStatus): \(text)")
        #expect(text.contains("sent no frame for 10 s"), "\(text)")
        let status = try door.status()
        #expect(status.jsonLines.first?["subjects"] as? Int == 1, "only Obama, enrolled before: \(status.stdout)")
    }

    @Test("a camera that is not there, or a stream path it does not have, is an error naming the address")
    func cameraNotThere() throws {
        let door = try Door()
        let camera = try door.camera()
        let wrongPath = try FacegateProcess(environment: door.environment).run([
            "run", "--source", "rtsp://127.0.0.1:\(camera.port)/nothere", "--console", "off", "--policy",
            door.appliance.fixture.policyPath,
        ])
        #expect(wrongPath.status == 69 && wrongPath.stderr.contains("Not Found"), "\(wrongPath.status): \(wrongPath.stderr)")
        let port = camera.port
        camera.stop()
        let nobody = try FacegateProcess(environment: door.environment).run([
            "run", "--source", "rtsp://127.0.0.1:\(port)/door", "--console", "off", "--policy", door.appliance.fixture.policyPath,
        ])
        #expect(nobody.status == 69, "\(nobody.status): \(nobody.stderr)")
        #expect(nobody.stderr.contains("rtsp://127.0.0.1:\(port)") && nobody.stderr.contains("check the address"), "\(nobody.stderr)")
    }

    @Test("doctor opens the policy's IP camera: its codec and size when it answers, a failure naming the credential when it refuses")
    func doctorChecksTheCamera() throws {
        let door = try Door()
        let camera = try door.camera()
        try Door.addToPolicy(door.appliance.fixture.policyPath, "source = \"\(camera.url)\"")
        let doctor = FacegateProcess(environment: door.environment)
        let good = try doctor.run(["doctor", "--json", "--policy", door.appliance.fixture.policyPath])
        let checks = (good.jsonLines.first?["checks"] as? [[String: Any]]) ?? []
        let source = checks.first { $0["name"] as? String == "source" }
        #expect(source?["level"] as? String == "ok", "\(good.stdout) \(good.stderr)")
        #expect((source?["detail"] as? String)?.contains("H264 at 640x480") == true, "\(String(describing: source))")
        #expect(!good.stdout.contains(door.password))
        // In an admin's shell, without the unit's credential: the camera answers and asks.
        let shell = try door.appliance.run(["doctor", "--json"])
        let asked = ((shell.jsonLines.first?["checks"] as? [[String: Any]]) ?? []).first { $0["name"] as? String == "source" }
        #expect(asked?["level"] as? String == "warn", "\(shell.stdout)")
        #expect((asked?["detail"] as? String)?.contains("asks for a password; run `systemd-run") == true, "\(String(describing: asked))")
        try "wrong".write(toFile: door.credentials + "/facegate-rtsp-password", atomically: true, encoding: .utf8)
        let bad = try doctor.run(["doctor", "--json", "--policy", door.appliance.fixture.policyPath])
        let failed = ((bad.jsonLines.first?["checks"] as? [[String: Any]]) ?? []).first { $0["name"] as? String == "source" }
        #expect(bad.status == 78 && failed?["level"] as? String == "fail", "\(bad.stdout)")
        #expect((failed?["detail"] as? String)?.contains("facegate-rtsp-password") == true, "\(String(describing: failed))")
    }
}
