import Foundation

/// The tools outside SwiftPM that the browser test and the API fuzz run use: Debian's
/// `chromium` and `chromium-driver` (`make deps`) and a Python venv with Selenium and
/// Schemathesis (`make test-venv`, at `.cache/test-venv`). Without them those tests
/// are skipped with a message, unless `FACEGATE_REQUIRE_BROWSER=1` (`make test` sets
/// it), when they fail saying what is missing.
public enum ExternalTestTools {
    public static let chromium = "/usr/bin/chromium"
    public static let chromedriver = "/usr/bin/chromedriver"
    public static var venv: String { TestResources.repositoryRoot + "/.cache/test-venv" }
    public static var python: String { venv + "/bin/python" }
    public static var schemathesis: String { venv + "/bin/schemathesis" }

    /// Whether a missing tool fails the test instead of skipping it.
    public static var required: Bool { TestResources.environment["FACEGATE_REQUIRE_BROWSER"] == "1" }

    /// What the browser test lacks, as sentences naming the fix; empty when it can run.
    public static var missingForBrowser: [String] {
        var missing = missingExecutables([
            (chromium, "chromium (make deps)"), (chromedriver, "chromium-driver (make deps)"), (python, "the test venv (make test-venv)"),
        ])
        if missing.isEmpty, (try? run(python, ["-c", "import selenium"], timeout: 30))?.status != 0 {
            missing.append("selenium in \(venv) (make test-venv)")
        }
        return missing
    }

    /// What the API fuzz run lacks; empty when it can run.
    public static var missingForFuzzing: [String] {
        missingExecutables([(schemathesis, "schemathesis in \(venv) (make test-venv)")])
    }

    /// The trait comment of a test that is skipped for want of `missing`.
    public static func skipMessage(_ missing: [String]) -> String {
        "missing \(missing.joined(separator: ", ")); `make test` installs them (set FACEGATE_REQUIRE_BROWSER=1 to fail instead)"
    }

    private static func missingExecutables(_ tools: [(path: String, what: String)]) -> [String] {
        tools.filter { !FileManager.default.isExecutableFile(atPath: $0.path) }.map { "\($0.what) at \($0.path)" }
    }

    /// A finished tool: its exit status, standard output and error interleaved, and
    /// whether the time limit ended it.
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        public var timedOut: Bool
        public var seconds: Double
    }

    /// Runs `executable` under coreutils' `timeout`, which ends the whole process group
    /// (a browser and its driver too) at the limit, SIGKILL 10 s after SIGTERM. Output
    /// goes through a file, so a chatty tool never blocks on a full pipe.
    public static func run(
        _ executable: String, _ arguments: [String], environment extra: [String: String] = [:], directory: String? = nil,
        timeout seconds: Int
    ) throws -> Result {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("facegate-tool-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["--kill-after=10", String(seconds), executable] + arguments
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        let started = Date()
        try process.run()
        process.waitUntilExit()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        // timeout(1) exits 124 when the limit ended the command (137 after SIGKILL).
        let status = process.terminationStatus
        return Result(
            status: status, output: output, timedOut: status == 124 || status == 137, seconds: Date().timeIntervalSince(started))
    }
}
