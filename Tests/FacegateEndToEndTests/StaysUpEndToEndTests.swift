import FacegateTestSupport
import Foundation
import Testing

/// A fresh box, a bad day, a busy admin socket: the appliance stays up, finds its
/// socket without flags, keeps its files to itself, stops cleanly at any moment, and
/// loops its sources without losing track of who came back.
@Suite("The appliance stays up", .serialized, .perTestLimit)
struct StaysUpEndToEndTests {
    typealias Appliance = RunEndToEndTests.Appliance

    /// A policy without a socket line: the daemon and the commands must agree alone.
    static func withoutSocket(_ text: String) -> String {
        text.replacingOccurrences(of: "# socket = \"/run/facegate/admin.sock\"", with: "")
    }

    @Test("outside systemd, with no --socket anywhere, the daemon listens in its state directory and every command finds it")
    func socketWithoutFlags() throws {
        let fixture = try ConsentFixture(edit: Self.withoutSocket)
        let facegate = FacegateProcess()
        let clip = fixture.directory.file("door.y4m")
        #expect(try facegate.run(["make-clip", "--output", clip, TestResources.fixture("obama3.jpg") + ":1:160", "blank:1"]).status == 0)
        let socket = fixture.stateDirectory + "/admin.sock"
        let daemon = try DaemonProcess(
            arguments: ["--source", "y4m:" + clip, "--loop", "--realtime", "--policy", fixture.policyPath, "--log-level", "warning"],
            socketPath: socket, passSocket: false)
        let status = try facegate.run(["status", "--json", "--policy", fixture.policyPath])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.jsonLines.first?["daemon"] as? Bool == true, "the command reached the daemon: \(status.stdout)")
        let doctor = try facegate.run(["doctor", "--json", "--policy", fixture.policyPath])
        #expect(doctor.stdout.contains(socket), "doctor reports the socket: \(doctor.stdout)")
        #expect(daemon.stop() == 0)
        // Without a daemon, the same command runs in-process and counts from the database.
        let offline = try facegate.run(["status", "--json", "--policy", fixture.policyPath])
        #expect(offline.jsonLines.first?["daemon"] as? Bool == false)
    }

    @Test("SIGTERM at the very first instant of run stops it cleanly: exit 0 and a summary")
    func earlySignal() throws {
        let appliance = try Appliance()
        let clip = try appliance.clip("long.y4m", ["blank:5"])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestResources.facegateBinary)
        process.arguments = [
            "run", "--source", "y4m:" + clip, "--realtime", "--policy", appliance.fixture.policyPath, "--log-level", "warning",
            "--socket", appliance.fixture.directory.file("early.sock"),
        ]
        process.environment = FacegateProcess().environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        usleep(50_000)  // long before the models are loaded and the services run
        kill(process.processIdentifier, SIGTERM)
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(process.terminationStatus): \(text)")
        #expect(text.contains("\"summary\""), "\(text)")
    }

    @Test("a relay that hangs is killed with its process group at the timeout, and its failure is logged")
    func relayTimeout() throws {
        let marker = "31.\(Int.random(in: 100...999))"
        let appliance = try Appliance()
        let policy = try String(contentsOfFile: appliance.fixture.policyPath, encoding: .utf8)
            .replacingOccurrences(of: "# relay_command = \"/usr/local/bin/open-door\"", with: "relay_command = \"sleep \(marker); true\"")
            .replacingOccurrences(of: "relay_timeout_seconds = 5", with: "relay_timeout_seconds = 1")
        try policy.write(toFile: appliance.fixture.policyPath, atomically: true, encoding: .utf8)
        _ = try appliance.enrolObama()
        let clip = try appliance.clip("door.y4m", [TestResources.fixture("obama3.jpg") + ":1:160", "blank:4"])
        let result = try appliance.run(["run", "--source", "y4m:" + clip, "--realtime", "--log-level", "info"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.jsonLines.contains { $0["decision"] as? String == "member" })
        #expect(result.stderr.contains("relay_timeout_seconds"), "the timeout is logged: \(result.stderr)")
        let left = try FacegateProcess().run(["-f", "sleep \(marker)"], executable: "/usr/bin/pgrep")
        #expect(left.stdout.isEmpty, "no relay process is left: \(left.stdout)")
    }

    @Test("with --loop, frame numbers go on: tracks end between loops and a returning person is decided again")
    func loopDecidesAgain() throws {
        let appliance = try Appliance()
        let obama = try appliance.enrolObama()
        let clip = try appliance.clip("loop.y4m", [TestResources.fixture("obama3.jpg") + ":1:160", "blank:1"])
        let socket = appliance.fixture.directory.file("loop.sock")
        let daemon = try DaemonProcess(
            arguments: ["--source", "y4m:" + clip, "--loop", "--policy", appliance.fixture.policyPath, "--log-level", "warning"],
            socketPath: socket)
        let deadline = Date().addingTimeInterval(30)
        var decided: [[String: Any]] = []
        while Date() < deadline {
            decided = daemon.events.filter { $0["decision"] as? String == "member" && $0["subject"] as? String == obama }
            if Set(decided.compactMap { $0["track"] as? Int }).count >= 3 { break }
            usleep(100_000)
        }
        #expect(daemon.stop() == 0)
        #expect(Set(decided.compactMap { $0["track"] as? Int }).count >= 3, "each loop is a new visit: \(decided)")
    }

    @Test("files the appliance creates are the owner's alone, and root's commands leave them to the state directory's owner")
    func fileModesAndOwners() throws {
        let fixture = try ConsentFixture()
        let facegate = FacegateProcess()
        // A state directory made by the CLI (not by the test process and its umask).
        let state = fixture.directory.file("made-by-cli")
        let made = try facegate.run(["keys", "init", "--state-dir", state, "--policy", fixture.policyPath])
        #expect(made.status == 0, "\(made.stderr)")
        let enrol = try facegate.run([
            "enroll", "--name", "Ada", "--notice", "2026-01", "--purpose", "entry", "--method", "tablet",
            "--state-dir", state, "--policy", fixture.policyPath, "--socket", state + "/none.sock", TestResources.fixture("obama.jpg"),
        ])
        #expect(enrol.status == 0, "\(enrol.stderr)")
        let backup = fixture.directory.file("backup.sqlite")
        #expect(
            try facegate.run(["backup", backup, "--state-dir", state, "--policy", fixture.policyPath, "--socket", state + "/none.sock"])
                .status == 0)
        for file in ["facegate.sqlite", "facegate.sqlite-wal", "facegate.sqlite-shm", "facegate.audit", "facegate.lock", "keys/kek-epochs"]
            .map({ state + "/" + $0 }) + [backup]
        {
            var info = stat()
            #expect(lstat(file, &info) == 0, "\(file) exists")
            #expect(info.st_mode & 0o077 == 0, "\(file) is mode \(String(info.st_mode & 0o777, radix: 8))")
        }
        // The service user owns the state; root runs a command; the service can still write.
        guard getuid() == 0 else { return }
        let service: uid_t = 65534
        #expect(try FacegateProcess().run(["-R", "\(service):\(service)", state], executable: "/bin/chown").status == 0)
        let erase = try facegate.run([
            "consent", "withdraw", "--state-dir", state, "--policy", fixture.policyPath, "--socket", state + "/none.sock",
            try #require(enrol.stdout.split(separator: " ").dropFirst(2).first.map(String.init)),
        ])
        #expect(erase.status == 0, "\(erase.stdout)\(erase.stderr)")
        for folder in [state, state + "/keys"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
                var info = stat()
                guard lstat(folder + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
                #expect(info.st_uid == service, "\(folder)/\(name) belongs to uid \(info.st_uid), not the state directory's owner")
            }
        }
    }

    @Test("the admin socket never opens a path a client names, caps connections per user and keeps root's way in")
    func socketLimits() throws {
        let appliance = try AdminSocketEndToEndTests.Appliance(denyList: false)
        let path = appliance.fixture.socketPath
        let root = try #require(RawAdminSocket(path: path))
        let fifo = appliance.fixture.directory.file("fifo.jpg")
        #expect(mkfifo(fifo, 0o600) == 0)
        let named = root.request(["v": 1, "id": "f", "cmd": "identify", "args": ["images": [fifo]]])
        #expect(named?["ok"] as? Bool == false)
        #expect(
            ((named?["error"] as? [String: Any])?["message"] as? String)?.contains("never opens") == true, "\(String(describing: named))")
        // Nine connections from one admin: the ninth is told to retry, root still gets in.
        let script = """
            import socket, json, sys
            held = []
            for i in range(9):
                s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); held.append(s)
            replies = []
            for s in held:
                try:
                    s.sendall(b'{"v":1,"id":"s","cmd":"status"}\\n')
                except OSError:
                    pass  # refused at once: its reply is already there
                replies.append(s.makefile().readline())
            print(json.dumps([json.loads(r)["ok"] for r in replies]))
            sys.stdout.flush()
            sys.stdin.readline()
            """
        let staff = AdminSocketEndToEndTests.staffGID
        let helper = Process()
        helper.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        helper.arguments = ["--reuid=60001", "--regid=\(staff)", "--clear-groups", "/usr/bin/python3", "-c", script, path]
        let output = Pipe(), input = Pipe(), errors = Pipe()
        helper.standardOutput = output
        helper.standardInput = input
        helper.standardError = errors
        try helper.run()
        let line = output.fileHandleForReading.availableDataLine()
        let problem = line.isEmpty ? String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) : ""
        #expect(line == "[true, true, true, true, true, true, true, true, false]", "\(line) \(problem)")
        let status = try #require(RawAdminSocket(path: path)).request(["v": 1, "id": "r", "cmd": "status"])
        #expect(status?["ok"] as? Bool == true, "root is let in while the admin holds 8: \(String(describing: status))")
        try input.fileHandleForWriting.close()
        helper.waitUntilExit()
    }

    @Test(
        "one socket, one appliance: a second daemon is refused the first one's socket, and a command meant for another state directory is refused by the daemon it reached"
    )
    func oneSocketOneAppliance() throws {
        let first = try AdminSocketEndToEndTests.Appliance(denyList: false)
        let other = try ConsentFixture()
        let clip = first.fixture.directory.file("door.y4m")
        let second = try first.facegate.run(
            [
                "run", "--source", "y4m:" + clip, "--policy", other.policyPath, "--socket", first.fixture.socketPath, "--log-level",
                "warning",
            ])
        #expect(second.status == 75 && second.stderr.contains("already listens"), "\(second.status): \(second.stderr)")
        #expect(
            try first.cli(["status", "--json"]).jsonLines.first?["state_dir"] as? String == first.fixture.stateDirectory,
            "the first daemon still answers")
        // A command for the other appliance, sent to this daemon's socket.
        let wrong = try first.facegate.run(["subjects", "--json", "--policy", other.policyPath, "--socket", first.fixture.socketPath])
        #expect(wrong.status == 69, "\(wrong.stdout)\(wrong.stderr)")
        #expect((wrong.stdout + wrong.stderr).contains("serves the state directory"))
        // Deleting the lock file (a "stale lock" clean-up) does not let a command in beside the daemon.
        unlink(first.fixture.stateDirectory + "/facegate.lock")
        let beside = try first.facegate.run(
            [
                "erase", "--policy", first.fixture.policyPath, "--socket", first.fixture.directory.file("nowhere.sock"),
                "0123456789abcdef0123456789abcdef",
            ])
        #expect(beside.status == 75, "\(beside.stdout)\(beside.stderr)")
        #expect(first.daemon.stop() == 0)
    }

    @Test("an upload named beside an unknown one is not lost to the upload budget: image commands keep working")
    func uploadBudgetDoesNotLeak() throws {
        let appliance = try AdminSocketEndToEndTests.Appliance(denyList: false)
        let blob = (0..<(20 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        for _ in 0..<4 {
            let socket = try #require(RawAdminSocket(path: appliance.fixture.socketPath, receiveTimeout: 60))
            let upload = try #require(socket.upload(blob), "an upload of 20 MiB is accepted")
            let reply = socket.request(["v": 1, "id": "x", "cmd": "identify", "args": ["uploads": [upload, "nope"]]])
            #expect(((reply?["error"] as? [String: Any])?["code"] as? String) == "invalid_request")
        }
        let identify = try appliance.cli(["identify", "--json", TestResources.fixture("obama3.jpg")])
        #expect(identify.status == 0, "after four refused requests the budget is whole again: \(identify.stdout)\(identify.stderr)")
        #expect(appliance.daemon.stop() == 0)
    }

    @Test("the relay command gets none of the daemon's descriptors: not the admin socket, not the video")
    func relayDescriptors() throws {
        let appliance = try Appliance()
        let report = appliance.fixture.directory.file("relay-fds.txt")
        let policy = try String(contentsOfFile: appliance.fixture.policyPath, encoding: .utf8)
            .replacingOccurrences(
                of: "# relay_command = \"/usr/local/bin/open-door\"", with: "relay_command = \"ls -l /proc/$$/fd > \(report)\"")
        try policy.write(toFile: appliance.fixture.policyPath, atomically: true, encoding: .utf8)
        _ = try appliance.enrolObama()
        let clip = try appliance.clip("door.y4m", [TestResources.fixture("obama3.jpg") + ":1:160", "blank:1"])
        let result = try appliance.run([
            "run", "--source", "y4m:" + clip, "--socket", appliance.fixture.directory.file("relay.sock"), "--log-level", "warning",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let listing = try String(contentsOfFile: report, encoding: .utf8)
        #expect(!listing.contains("socket:") && !listing.contains(".y4m") && !listing.contains("sqlite"), "\(listing)")
    }
}

extension FileHandle {
    /// Reads until a newline (or the end), for a helper process's first line.
    func availableDataLine() -> String {
        var bytes: [UInt8] = []
        while true {
            let chunk = readData(ofLength: 1)
            guard let byte = chunk.first, byte != 10 else { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
