import FacegateTestSupport
import Foundation
import Testing

/// The door as a reader of the venue's access panel, against libosdp's own control
/// panel (its Python binding from PyPI, `Tests/OSDP/control_panel.py`) on a
/// pseudo-terminal: the serial line a real panel's RS-485 bus would be.
@Suite("Access panel (OSDP)", .perTestLimit)
struct PanelLinkEndToEndTests {
    typealias Appliance = RunEndToEndTests.Appliance

    static var required: Bool { TestResources.environment["FACEGATE_REQUIRE_OSDP"] == "1" }

    /// What the panel needs that may be missing: the venv with libosdp's binding.
    static var missing: [String] {
        guard FileManager.default.isExecutableFile(atPath: ExternalTestTools.python) else {
            return ["the test venv at \(ExternalTestTools.venv) (make test-venv)"]
        }
        let check = try? ExternalTestTools.run(ExternalTestTools.python, ["-c", "import osdp"], timeout: 30)
        return check?.status == 0 ? [] : ["libosdp in \(ExternalTestTools.venv) (make test-venv)"]
    }

    /// Skips (or, under `make test`, fails) when the panel cannot run.
    static func canRun() -> Bool {
        let missing = Self.missing
        guard missing.isEmpty else {
            #expect(
                !required, "missing \(missing.joined(separator: ", ")); `make test` installs it (FACEGATE_REQUIRE_OSDP=1 fails instead)")
            return false
        }
        return true
    }

    /// A peer from libosdp's Python binding (`Tests/OSDP/`): the venue's panel
    /// (control_panel.py) or a card reader (card_reader.py), and what it printed.
    final class Peer: @unchecked Sendable {
        let process = Process()
        private let input = Pipe()
        private let output = Pipe()
        private let lock = NSLock()
        private var buffer = ""
        private(set) var device = ""

        convenience init(key: String, answer: Bool) throws {
            try self.init(script: "control_panel.py", ["--scbk", key, "--address", "1", "--wait-start"] + (answer ? ["--answer"] : []))
        }

        init(script: String, _ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: ExternalTestTools.python)
            process.arguments = [TestResources.repositoryRoot + "/Tests/OSDP/" + script] + arguments
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.standardError
            output.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let text = String(decoding: handle.availableData, as: UTF8.self)
                self?.lock.withLock { self?.buffer += text }
            }
            try process.run()
            var device: String?
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline, device == nil, process.isRunning {
                device = lines.first { $0["event"] as? String == "ready" }?["device"] as? String
                usleep(50_000)
            }
            guard let device else { throw PanelNotStarted() }
            self.device = device
        }

        var lines: [[String: Any]] {
            lock.withLock { buffer }.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        var cards: [[String: Any]] { lines.filter { $0["event"] as? String == "card" } }

        func waitForCard(seconds: Double) -> [String: Any]? {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if let card = cards.first { return card }
                usleep(100_000)
            }
            return nil
        }

        /// A line to the peer's standard input (a card_reader.py command).
        func send(_ line: String) { input.fileHandleForWriting.write(Data((line + "\n").utf8)) }

        func waitFor(seconds: Double, _ predicate: ([String: Any]) -> Bool) -> [String: Any]? {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if let line = lines.first(where: predicate) { return line }
                usleep(100_000)
            }
            return nil
        }

        func stop() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
            output.fileHandleForReading.readabilityHandler = nil
        }

        deinit { if process.isRunning { process.terminate() } }
    }

    struct PanelNotStarted: Error {}

    /// What a process said so far, from its pipe's handler.
    final class Said: @unchecked Sendable {
        private let lock = NSLock()
        private var collected = ""
        func append(_ text: String) { lock.withLock { collected += text } }
        var text: String { lock.withLock { collected } }
    }

    static func randomKey() -> String { (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined() }

    /// Writes the door's OSDP key and the policy's `[osdp]` for `device`.
    static func configure(_ appliance: Appliance, device: String, key: String) throws {
        let keyFile = appliance.fixture.stateDirectory + "/keys/osdp-scbk"
        try (key + "\n").write(toFile: keyFile, atomically: false, encoding: .utf8)
        chmod(keyFile, 0o400)
        let policy = try String(contentsOfFile: appliance.fixture.policyPath, encoding: .utf8)
        try (policy + "\n[osdp]\ndevice = \"\(device)\"\naddress = 1\nfacility = 42\n").write(
            toFile: appliance.fixture.policyPath, atomically: true, encoding: .utf8)
    }

    /// Lets the panel poll once the door has opened its end of the line.
    static func startPolling(_ panel: Peer, once daemon: DaemonProcess) {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, !daemon.errorText.contains("the panel link's device is open") { usleep(50_000) }
        panel.send("start")
    }

    static func panelStatus(_ appliance: Appliance) throws -> [String: Any] {
        let status = try appliance.run(["status", "--json"])
        return try #require(status.jsonLines.first?["panel"] as? [String: Any], "\(status.stdout)\(status.stderr)")
    }

    @Test(
        "a member at the door reaches the panel as a card read of their credential over the Secure Channel; the panel's answer is counted; erased, it is gone"
    )
    func memberReachesThePanel() throws {
        guard Self.canRun() else { return }
        let appliance = try Appliance()
        let obama = try appliance.enrolObama()
        let key = Self.randomKey()
        let panel = try Peer(key: key, answer: true)
        defer { panel.stop() }
        try Self.configure(appliance, device: panel.device, key: key)
        let clip = try appliance.clip("door.y4m", [TestResources.fixture("obama3.jpg") + ":1:160", "blank:2"])
        let daemon = try DaemonProcess(
            arguments: [
                "--source", "y4m:" + clip, "--loop", "--realtime", "--policy", appliance.fixture.policyPath, "--log-level", "info",
            ],
            socketPath: appliance.fixture.socketPath)
        Self.startPolling(panel, once: daemon)
        let card = try #require(
            panel.waitForCard(seconds: 90),
            "no card read reached the panel: \(daemon.errorText) \(daemon.events.count) events; \((try? appliance.run(["status", "--json"]).stdout) ?? ""); panel: \(panel.lines)"
        )
        #expect(daemon.events.contains { $0["decision"] as? String == "member" }, "the card followed a member decision")
        let credential = try appliance.run(["card", "panel", "--json", obama])
        #expect(credential.status == 0, "\(credential.stderr)")
        let issued = try #require(credential.jsonLines.first)
        #expect(issued["format"] as? String == "wiegand26" && issued["facility"] as? Int == 42)
        #expect(card["bits"] as? String == issued["bits"] as? String, "the panel read the member's credential: \(card) vs \(issued)")
        #expect(card["length"] as? Int == 26 && card["format"] as? Int == 1, "raw Wiegand, 26 bits: \(card)")
        // The panel's green LED and beep come back to the door's status.
        var status: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            status = try Self.panelStatus(appliance)
            if (status["granted"] as? Int ?? 0) >= 1 && (status["buzzer_commands"] as? Int ?? 0) >= 1 { break }
            usleep(200_000)
        }
        #expect(status["link"] as? String == "up" && status["secure_channel"] as? Bool == true, "\(status)")
        #expect((status["cards_delivered"] as? Int ?? 0) >= 1 && (status["granted"] as? Int ?? 0) >= 1, "\(status)")
        #expect(status["last_led"] as? String == "green", "\(status)")
        #expect(!daemon.errorText.contains(issued["bits"] as? String ?? "-"), "the credential is in no log line")
        #expect(daemon.stop() == 0)
        // Erased: the answer names the card to remove from the panel; after it, no
        // credential to print or send.
        let erased = try appliance.run(["erase", obama])
        #expect(erased.status == 0, "\(erased.stderr)")
        #expect(
            erased.stdout.contains("remove this member's card from the access panel")
                && erased.stdout.contains(issued["bits"] as? String ?? "-"), "\(erased.stdout)")
        let gone = try appliance.run(["card", "panel", obama])
        #expect(gone.status == 67, "\(gone.status): \(gone.stdout)\(gone.stderr)")
    }

    @Test(
        "a panel holding another key gets no card read: the member is let in by the door's decision, nothing crosses the line, and status says the link is down"
    )
    func wrongKeySendsNothing() throws {
        guard Self.canRun() else { return }
        let appliance = try Appliance()
        _ = try appliance.enrolObama()
        let panel = try Peer(key: Self.randomKey(), answer: false)
        defer { panel.stop() }
        try Self.configure(appliance, device: panel.device, key: Self.randomKey())
        let clip = try appliance.clip("door.y4m", [TestResources.fixture("obama3.jpg") + ":1:160", "blank:2"])
        let daemon = try DaemonProcess(
            arguments: [
                "--source", "y4m:" + clip, "--loop", "--realtime", "--policy", appliance.fixture.policyPath, "--log-level", "info",
            ],
            socketPath: appliance.fixture.socketPath)
        Self.startPolling(panel, once: daemon)
        let member = daemon.waitForEvent(seconds: 60) { $0["decision"] as? String == "member" }
        #expect(member != nil, "the door still decides: \(daemon.errorText)")
        usleep(3_000_000)
        #expect(panel.cards.isEmpty, "no card read without the Secure Channel: \(panel.cards)")
        let status = try Self.panelStatus(appliance)
        #expect(status["link"] as? String == "down" && status["secure_channel"] as? Bool == false, "\(status)")
        #expect((status["not_sent"] as? Int ?? 0) >= 1 && (status["cards_sent"] as? Int ?? -1) == 0, "\(status)")
        #expect(daemon.stop() == 0)
    }

    @Test("a missing serial device or key is named: the key at start (exit 78), the device in status while the door runs")
    func missingDeviceAndKey() throws {
        let appliance = try Appliance()
        let policy = try String(contentsOfFile: appliance.fixture.policyPath, encoding: .utf8)
        try (policy + "\n[osdp]\ndevice = \"/dev/ttyNOPE9\"\nfacility = 42\n").write(
            toFile: appliance.fixture.policyPath, atomically: true, encoding: .utf8)
        let noKey = try appliance.run(["run", "--source", "none", "--socket", appliance.fixture.directory.file("x.sock")])
        #expect(noKey.status == 78 && noKey.stderr.contains("osdp-scbk"), "\(noKey.status): \(noKey.stderr)")
        let keyFile = appliance.fixture.stateDirectory + "/keys/osdp-scbk"
        try "not hex at all, but 32 bytes long".prefix(32).write(toFile: keyFile, atomically: false, encoding: .utf8)
        chmod(keyFile, 0o400)
        let badKey = try appliance.run(["run", "--source", "none", "--socket", appliance.fixture.directory.file("x.sock")])
        #expect(badKey.status == 78 && badKey.stderr.contains("32 hex digits"), "\(badKey.status): \(badKey.stderr)")
        chmod(keyFile, 0o600)
        try Self.randomKey().write(toFile: keyFile, atomically: false, encoding: .utf8)
        chmod(keyFile, 0o400)
        let daemon = try DaemonProcess(
            arguments: ["--source", "none", "--policy", appliance.fixture.policyPath, "--log-level", "info"],
            socketPath: appliance.fixture.socketPath)
        var status: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            status = try Self.panelStatus(appliance)
            if status["problem"] != nil { break }
            usleep(200_000)
        }
        #expect(status["link"] as? String == "down", "\(status)")
        #expect((status["problem"] as? String ?? "").contains("/dev/ttyNOPE9"), "\(status)")
        #expect(daemon.stop() == 0)
    }

    @Test(
        "a card presented at the door's OSDP reader is a claim: its holder's face is matched 1:1; an unknown card is refused; a reader keyed otherwise claims nothing"
    )
    func cardReaderClaims() throws {
        guard Self.canRun() else { return }
        let appliance = try DoorTriggerEndToEndTests.Appliance(trigger: "claim")
        // The number a 26-bit card of facility 42 reads as.
        let obama = try appliance.enrolObama(card: "42:1234")
        let key = Self.randomKey()
        let reader = try Peer(script: "card_reader.py", ["--scbk", key, "--address", "0"])
        defer { reader.stop() }
        let keyFile = appliance.fixture.stateDirectory + "/keys/osdp-reader-scbk"
        try key.write(toFile: keyFile, atomically: false, encoding: .utf8)
        chmod(keyFile, 0o400)
        let policy = try String(contentsOfFile: appliance.fixture.policyPath, encoding: .utf8)
        try (policy + "\n[osdp.reader]\ndevice = \"\(reader.device)\"\n").write(
            toFile: appliance.fixture.policyPath, atomically: true, encoding: .utf8)
        let daemon = try appliance.daemon(try appliance.clip("door.y4m", [TestResources.fixture("obama3.jpg") + ":2:160"]))
        #expect(reader.waitFor(seconds: 30) { $0["event"] as? String == "secure" } != nil, "the Secure Channel: \(daemon.errorText)")
        usleep(1_000_000)
        #expect(daemon.events.isEmpty, "nobody is compared before a card: \(daemon.events)")
        reader.send("card 42 1234")
        let matched = daemon.waitForEvent(seconds: 30) { $0["claim"] != nil && $0["decision"] as? String == "member" }
        #expect(matched?["subject"] as? String == obama, "\(daemon.events) \(daemon.errorText)")
        reader.send("card 42 999")
        #expect(daemon.waitForEvent { $0["decision"] as? String == "claim_unknown_card" } != nil, "\(daemon.events)")
        let status = try appliance.run(["status", "--json"]).jsonLines.first?["card_reader"] as? [String: Any]
        #expect(
            status?["link"] as? String == "up" && status?["claims"] as? Int == 1 && status?["refused"] as? Int == 1,
            "\(String(describing: status))")
        #expect(!daemon.errorText.contains("1234") && !daemon.errorText.contains(":999"), "no card number in the log")
        #expect(daemon.stop() == 0)
        // A policy with a card reader but no claims is refused at once.
        let zone = try String(contentsOfFile: appliance.fixture.policyPath, encoding: .utf8)
            .replacingOccurrences(of: "trigger = \"claim\"", with: "trigger = \"zone\"")
        try zone.write(toFile: appliance.fixture.policyPath, atomically: true, encoding: .utf8)
        let refused = try appliance.run(["doctor"])
        #expect(refused.status == 78 && (refused.stdout + refused.stderr).contains("osdp.reader"), "\(refused.stdout)\(refused.stderr)")
    }

    @Test("install mode: the panel sets the reader's key over the install key, once; kept 0400, audited without the key; never replaced")
    func installModeSetsTheKey() throws {
        guard Self.canRun() else { return }
        let appliance = try Appliance()
        let key = Self.randomKey()
        let panel = try Peer(script: "control_panel.py", ["--install", key, "--address", "1", "--wait-start"])
        defer { panel.stop() }
        let policy = try String(contentsOfFile: appliance.fixture.policyPath, encoding: .utf8)
        try (policy + "\n[osdp]\ndevice = \"\(panel.device)\"\naddress = 1\nfacility = 42\n").write(
            toFile: appliance.fixture.policyPath, atomically: true, encoding: .utf8)
        let install = Process()
        install.executableURL = URL(fileURLWithPath: TestResources.facegateBinary)
        install.arguments = ["osdp", "install", "--json", "--seconds", "60", "--policy", appliance.fixture.policyPath]
        install.environment = FacegateProcess().environment
        let output = Pipe(), errors = Pipe()
        install.standardOutput = output
        install.standardError = errors
        let said = Said()
        errors.fileHandleForReading.readabilityHandler = { handle in said.append(String(decoding: handle.availableData, as: UTF8.self)) }
        try install.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, !said.text.contains("waiting for the panel") { usleep(50_000) }
        panel.send("start")
        let answer = output.fileHandleForReading.readDataToEndOfFile()
        install.waitUntilExit()
        errors.fileHandleForReading.readabilityHandler = nil
        #expect(install.terminationStatus == 0, "\(said.text)")
        let result = try JSONSerialization.jsonObject(with: answer) as? [String: Any]
        #expect(
            result?["secure_channel"] as? Bool == true,
            "the panel opened the Secure Channel with the new key: \(String(describing: result))")
        let keyFile = appliance.fixture.stateDirectory + "/keys/osdp-scbk"
        #expect(try String(contentsOfFile: keyFile, encoding: .utf8) == key + "\n")
        var info = stat()
        #expect(stat(keyFile, &info) == 0 && info.st_mode & 0o777 == 0o400)
        let audit = try appliance.run(["export", "audit"])
        #expect(audit.stdout.contains("osdp.install") && !audit.stdout.contains(key), "audited, without the key")
        #expect(!said.text.contains(key), "the key is in no output")
        let again = try appliance.run(["osdp", "install", "--seconds", "10"])
        #expect(again.status == 64 && again.stderr.contains("already holds an OSDP key"), "\(again.status): \(again.stderr)")
    }
}
