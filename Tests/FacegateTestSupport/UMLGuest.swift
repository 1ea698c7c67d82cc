public import Foundation
import Synchronization

/// A real V4L2 driver for the camera tests: User-Mode Linux (a Linux kernel that runs as
/// an ordinary process, no KVM) with the kernel's virtual camera `vivid` built in
/// (`scripts/uml/build-kernel.sh`, cached outside the clone), booted with the host's `/`
/// as its root, so the host's `facegate`, its libraries and the models run inside
/// unchanged and capture from vivid's `/dev/video0`.
///
/// One guest serves every test of a process (a boot takes about a second, and the
/// guest's one virtual CPU is better spent on the tests): `shared()` boots it on first
/// use. Its PID 1 is `scripts/uml/guest-agent.py`, which runs the commands asked of it
/// through the guest's console (UML's standard input, a pipe from here) and answers in
/// files of a session directory the guest sees at the same path. When this process ends
/// the pipe closes and the guest powers off.
///
/// A daemon in the guest and a command on the host must never share a state directory:
/// the guest's SQLite locks and shared memory are the guest's own. Set a state directory
/// up on the host first, then only use it from the guest.
public final class UMLGuest: @unchecked Sendable {
    /// Whether a missing kernel fails the camera tests (`make test` sets it) instead of
    /// skipping them.
    public static var required: Bool { TestResources.environment["FACEGATE_REQUIRE_CAMERA"] == "1" }

    /// The kernel `scripts/uml/build-kernel.sh` builds, where it puts it.
    public static let kernel: String? = {
        let environment = TestResources.environment
        var candidates: [String] = []
        if let directory = environment["FACEGATE_UML_DIR"], !directory.isEmpty { candidates.append(directory + "/linux") }
        candidates.append("/var/cache/facegate-uml/linux")
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
        candidates.append(cache + "/facegate-uml/linux")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static let agent = TestResources.repositoryRoot + "/scripts/uml/guest-agent.py"

    /// Why the camera tests cannot run here, or nil.
    public static let missing: String? = {
        if kernel == nil {
            return "the camera tests' kernel (User-Mode Linux with vivid: scripts/uml/build-kernel.sh, which `make test` runs)"
        }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/v4l2-ctl") { return "v4l2-ctl (v4l-utils: scripts/uml/packages.txt)" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") { return "/usr/bin/python3 (the guest's agent)" }
        return nil
    }()

    public static var skipMessage: String {
        "missing \(missing ?? ""); `make test` builds and installs it (FACEGATE_REQUIRE_CAMERA=1 fails instead)"
    }

    private static let sharedGuest = Mutex<UMLGuest?>(nil)

    /// The guest of this test process, booted on first use (and booted again if it died),
    /// powered off when the process exits.
    public static func shared() throws -> UMLGuest {
        try sharedGuest.withLock { guest in
            if let running = guest, running.process.isRunning { return running }
            let booted = try UMLGuest(vivid: VividCamera.parameters)
            if guest == nil { atexit { UMLGuest.shutDownShared() } }
            guest = booted
            return booted
        }
    }

    /// Powers the shared guest off, its session directory removed, and ends the helper
    /// process UML leaves behind (`shutDown`).
    static func shutDownShared() {
        sharedGuest.withLock { $0?.shutDown(clean: true) }
    }

    public let session = TemporaryDirectory(prefix: "fg-uml")
    let process = Process()
    private let console = Pipe()
    private let counter = Mutex(0)
    /// Wall seconds from starting the kernel to the agent's first answer.
    public let bootSeconds: Double
    /// The kernel's log (its console output).
    public var log: String { (try? String(contentsOfFile: session.file("uml.log"), encoding: .utf8)) ?? "" }

    /// Boots the kernel with `vivid` parameters (the driver's defaults: one instance,
    /// `/dev/video0` capturing, `/dev/video1` its video output).
    public init(memory: String = "1G", vivid: [String] = []) throws {
        guard let kernel = Self.kernel else { throw Self.failure("no kernel: \(Self.skipMessage)") }
        signal(SIGPIPE, SIG_IGN)
        process.executableURL = URL(fileURLWithPath: kernel)
        process.arguments =
            [
                "mem=\(memory)", "root=/dev/root", "rootfstype=hostfs", "rootflags=/", "rw", "quiet", "con0=fd:0,fd:1", "con=null",
                "ssl=null", "init=\(Self.agent)", "facegate_session=\(session.path)",
            ] + vivid
        process.standardInput = console
        FileManager.default.createFile(atPath: session.file("uml.log"), contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: session.file("uml.log")))
        process.standardOutput = log
        process.standardError = log
        let started = Date()
        try process.run()
        try? log.close()
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: session.file("ready")) {
            guard process.isRunning, Date() < deadline else {
                if process.isRunning { process.terminate() }
                let text = (try? String(contentsOfFile: session.file("uml.log"), encoding: .utf8)) ?? ""
                throw Self.failure("the guest did not boot: \(text)")
            }
            usleep(20_000)
        }
        bootSeconds = Date().timeIntervalSince(started)
    }

    deinit {
        try? console.fileHandleForWriting.close()
    }

    /// Powers the guest off (it also does when this process ends); `clean` removes its
    /// session directory too.
    public func shutDown(clean: Bool = false) {
        guard process.isRunning else { return }
        send(clean ? "quit clean" : "quit")
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        // A helper of UML's (it polls the console's pipe) outlives the kernel; it is in
        // the kernel's process group, which the kernel leads.
        killpg(process.processIdentifier, SIGKILL)
    }

    private func send(_ line: String) {
        try? console.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    public static func failure(_ message: String) -> NSError {
        NSError(domain: "facegate-tests", code: 3, userInfo: [NSLocalizedDescriptionKey: message])
    }

    /// A command running in the guest.
    public final class Job: @unchecked Sendable {
        public let guest: UMLGuest
        public let number: Int
        public let pid: Int32
        public let stdoutPath: String
        public let stderrPath: String

        init(guest: UMLGuest, number: Int, pid: Int32, stdoutPath: String, stderrPath: String) {
            self.guest = guest
            self.number = number
            self.pid = pid
            self.stdoutPath = stdoutPath
            self.stderrPath = stderrPath
        }

        /// What it has printed so far (the files fill as it runs).
        public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
        public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

        /// Each line of standard output parsed as a JSON object.
        public var jsonLines: [[String: Any]] {
            stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }

        /// Its exit status once it has ended (128 + N for signal N), else nil.
        public var status: Int32? {
            guard let data = FileManager.default.contents(atPath: guest.session.file("\(number).exit")),
                let exit = try? JSONSerialization.jsonObject(with: data) as? [String: Int]
            else { return nil }
            if let status = exit["status"] { return Int32(status) }
            return Int32(128 + (exit["signal"] ?? 0))
        }

        public var isRunning: Bool { status == nil }

        /// Signals its process group.
        public func signal(_ signal: Int32) { guest.send("signal \(number) \(signal)") }

        /// Waits up to `seconds` for it to end; its status, or nil if it still runs.
        @discardableResult
        public func wait(seconds: Double) -> Int32? {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if let status { return status }
                usleep(20_000)
            }
            return status
        }

        /// SIGTERM, then SIGKILL after `grace` seconds; its status.
        @discardableResult
        public func stop(grace: Double = 20) -> Int32? {
            guard isRunning else { return status }
            signal(SIGTERM)
            if let status = wait(seconds: grace) { return status }
            signal(SIGKILL)
            return wait(seconds: 10)
        }
    }

    /// Starts `arguments` in the guest in `directory`, with `environment` (the whole of
    /// it: PATH is the guest agent's unless given), output to files.
    public func start(
        _ arguments: [String], environment: [String: String] = [:], directory: String = "/tmp", stdout: String? = nil,
        stderr: String? = nil
    ) throws -> Job {
        let number = counter.withLock { value -> Int in
            value += 1
            return value
        }
        let out = stdout ?? session.file("\(number).out")
        let err = stderr ?? session.file("\(number).err")
        let order: [String: Any] = ["argv": arguments, "env": environment, "cwd": directory, "stdout": out, "stderr": err]
        try JSONSerialization.data(withJSONObject: order).write(to: URL(fileURLWithPath: session.file("\(number).json")))
        send("start \(number)")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let data = FileManager.default.contents(atPath: session.file("\(number).pid")),
                let answer = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            {
                guard let pid = answer["pid"] as? Int else {
                    throw Self.failure("the guest could not start \(arguments): \(answer["error"] ?? answer)")
                }
                return Job(guest: self, number: number, pid: Int32(pid), stdoutPath: out, stderrPath: err)
            }
            guard process.isRunning else { throw Self.failure("the guest stopped: \(log)") }
            usleep(10_000)
        }
        throw Self.failure("the guest did not start \(arguments) within 60 s: \(log)")
    }

    /// Runs `arguments` in the guest to its end (killed after `timeout` seconds).
    public func run(
        _ arguments: [String], environment: [String: String] = [:], directory: String = "/tmp", timeout: Double = 120
    ) throws -> FacegateProcess.Result {
        let job = try start(arguments, environment: environment, directory: directory)
        guard let status = job.wait(seconds: timeout) else {
            job.signal(SIGKILL)
            job.wait(seconds: 10)
            throw Self.failure("\(arguments) did not finish within \(Int(timeout)) s in the guest: \(job.stdout) \(job.stderr)")
        }
        return FacegateProcess.Result(status: status, stdout: job.stdout, stderr: job.stderr)
    }

    /// Runs a shell script in the guest (`sh -c`), failing when it fails.
    @discardableResult
    public func shell(_ script: String, timeout: Double = 60) throws -> String {
        let result = try run(["/bin/sh", "-c", script], timeout: timeout)
        guard result.status == 0 else { throw Self.failure("`\(script)` failed in the guest (\(result.status)): \(result.stderr)") }
        return result.stdout
    }
}
