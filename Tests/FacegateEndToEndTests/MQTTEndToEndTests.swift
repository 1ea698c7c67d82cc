import FacegateTestSupport
import Foundation
import Testing

/// The door's live feed on Debian's mosquitto broker (loopback, a password file), read
/// back with mosquitto_sub: decisions and health arrive, nothing personal beyond a
/// consenting member's pseudonym, and the broker's last will says when the door died.
@Suite("MQTT feed", .perTestLimit)
struct MQTTEndToEndTests {
    typealias Appliance = RunEndToEndTests.Appliance

    static var required: Bool { TestResources.environment["FACEGATE_REQUIRE_MQTT"] == "1" }

    /// A broker of the test's own on a free loopback port, with one user.
    final class Broker: @unchecked Sendable {
        let process = Process()
        let port: Int
        let directory: String

        init(directory: String, user: String, password: String) throws {
            self.directory = directory
            port = Int.random(in: 20_000...60_000)
            let passwords = directory + "/passwd"
            let made = try FacegateProcess().run(["-b", "-c", passwords, user, password], executable: "/usr/bin/mosquitto_passwd")
            #expect(made.status == 0, "\(made.stderr)")
            let configuration = directory + "/mosquitto.conf"
            try """
            listener \(port) 127.0.0.1
            allow_anonymous false
            password_file \(passwords)
            persistence false
            user \(NSUserName())
            """.write(toFile: configuration, atomically: true, encoding: .utf8)
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/mosquitto")
            process.arguments = ["-c", configuration]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(500_000)
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }

    /// mosquitto_sub on every facegate topic, printing "TOPIC PAYLOAD" lines.
    final class Subscriber: @unchecked Sendable {
        let process = Process()
        private let output = Pipe()
        private let lock = NSLock()
        private var text = ""

        init(port: Int, user: String, password: String) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_sub")
            process.arguments = ["-h", "127.0.0.1", "-p", String(port), "-u", user, "-P", password, "-t", "facegate/#", "-v"]
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            output.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let chunk = String(decoding: handle.availableData, as: UTF8.self)
                self?.lock.withLock { self?.text += chunk }
            }
            try process.run()
            usleep(300_000)
        }

        /// (topic, payload as JSON) for every message so far.
        var messages: [(topic: String, payload: [String: Any])] {
            lock.withLock { text }.split(separator: "\n").compactMap { line in
                guard let space = line.firstIndex(of: " ") else { return nil }
                let payload = try? JSONSerialization.jsonObject(with: Data(line[line.index(after: space)...].utf8)) as? [String: Any]
                return payload.map { (String(line[..<space]), $0) }
            }
        }

        var raw: String { lock.withLock { text } }

        func waitFor(seconds: Double, _ predicate: (String, [String: Any]) -> Bool) -> [String: Any]? {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if let found = messages.first(where: { predicate($0.topic, $0.payload) }) { return found.payload }
                usleep(100_000)
            }
            return nil
        }

        deinit {
            // mosquitto_sub may sit out a SIGTERM while it reconnects.
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            output.fileHandleForReading.readabilityHandler = nil
        }
    }

    static func missing() -> Bool {
        let found = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto_sub", "/usr/bin/mosquitto_passwd"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        if !found { #expect(!required, "mosquitto and mosquitto-clients are missing; `make test` installs them (make test-deps)") }
        return !found
    }

    @Test(
        "decisions and health reach the broker with pseudonyms only; a door killed is announced offline by its last will; a wrong password is named in status"
    )
    func feedReachesTheBroker() throws {
        if Self.missing() { return }
        let appliance = try Appliance()
        let obama = try appliance.enrolObama()
        let password = "pw-\(Int.random(in: 100_000...999_999))"
        let broker = try Broker(directory: appliance.fixture.directory.path, user: "door", password: password)
        let subscriber = try Subscriber(port: broker.port, user: "door", password: password)
        let credentials = appliance.fixture.directory.file("credentials")
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try (password + "\n").write(toFile: credentials + "/facegate-mqtt-password", atomically: true, encoding: .utf8)
        let policy = try String(contentsOfFile: appliance.fixture.policyPath, encoding: .utf8)
        try (policy + "\n[mqtt]\nurl = \"mqtt://127.0.0.1:\(broker.port)\"\ndoor = \"front\"\nuser = \"door\"\n").write(
            toFile: appliance.fixture.policyPath, atomically: true, encoding: .utf8)
        let clip = try appliance.clip("door.y4m", [TestResources.fixture("obama3.jpg") + ":1:160", "blank:2"])
        let daemon = try DaemonProcess(
            arguments: [
                "--source", "y4m:" + clip, "--loop", "--realtime", "--policy", appliance.fixture.policyPath, "--log-level", "info",
            ],
            socketPath: appliance.fixture.socketPath, environment: ["CREDENTIALS_DIRECTORY": credentials])
        let online = subscriber.waitFor(seconds: 30) { topic, payload in
            topic == "facegate/front/status" && payload["state"] as? String == "online"
        }
        #expect(online?["trigger"] as? String == "zone" && online?["subjects"] as? Int == 1, "\(subscriber.raw) \(daemon.errorText)")
        let member = subscriber.waitFor(seconds: 60) { topic, payload in
            topic == "facegate/front/events" && payload["decision"] as? String == "member"
        }
        #expect(member?["subject"] as? String == obama, "a consenting member's pseudonym: \(subscriber.raw)")
        #expect(member?["door"] as? String == "front" && member?["name"] == nil)
        #expect(!subscriber.raw.contains("Obama") && !subscriber.raw.contains("Barack"), "no name on the broker: \(subscriber.raw)")
        let status = try appliance.run(["status", "--json"]).jsonLines.first?["mqtt"] as? [String: Any]
        #expect(status?["connected"] as? Bool == true && (status?["published"] as? Int ?? 0) >= 1, "\(String(describing: status))")
        // Killed without a goodbye: the broker publishes the door's last will.
        kill(daemon.process.processIdentifier, SIGKILL)
        daemon.process.waitUntilExit()
        let will = subscriber.waitFor(seconds: 30) { topic, payload in
            topic == "facegate/front/status" && payload["state"] as? String == "offline"
        }
        #expect(will != nil, "the last will: \(subscriber.raw)")
        // A wrong password: the door runs and says why the feed is down.
        try "not-the-password\n".write(toFile: credentials + "/facegate-mqtt-password", atomically: true, encoding: .utf8)
        let refused = try DaemonProcess(
            arguments: ["--source", "none", "--policy", appliance.fixture.policyPath, "--log-level", "info"],
            socketPath: appliance.fixture.socketPath, environment: ["CREDENTIALS_DIRECTORY": credentials])
        var problem = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, problem.isEmpty {
            problem = (try appliance.run(["status", "--json"]).jsonLines.first?["mqtt"] as? [String: Any])?["problem"] as? String ?? ""
            usleep(200_000)
        }
        #expect(problem.contains("user name or password"), "\(problem)")
        #expect(!refused.errorText.contains("not-the-password"), "the password is in no log")
        let stopped = refused.stop()
        #expect(stopped == 0, "\(refused.errorText)")
        // A broker off this box without TLS is refused before anything is sent.
        let plain = try String(contentsOfFile: appliance.fixture.policyPath, encoding: .utf8)
            .replacingOccurrences(of: "mqtt://127.0.0.1:\(broker.port)", with: "mqtt://192.0.2.7:1883")
        try plain.write(toFile: appliance.fixture.policyPath, atomically: true, encoding: .utf8)
        let doctor = try appliance.run(["doctor"])
        #expect(doctor.status == 78 && (doctor.stdout + doctor.stderr).contains("mqtts://"), "\(doctor.stdout)\(doctor.stderr)")
        withExtendedLifetime(broker) {}
    }
}
