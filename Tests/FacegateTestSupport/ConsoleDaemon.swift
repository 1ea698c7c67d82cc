public import Foundation

/// A daemon serving the venue console for an end-to-end test: a fresh appliance
/// (`ConsentFixture`), `facegate run --source none --log-level info`, the console's
/// address read from its log line, and console accounts (password on standard input)
/// with a bearer token each, made through the CLI as an operator would.
public final class ConsoleDaemon: @unchecked Sendable {
    /// Every account's password in these tests.
    public static let password = "correct horse battery staple"

    public let fixture: ConsentFixture
    public let facegate = FacegateProcess()
    public let daemon: DaemonProcess
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    public let base: String
    /// Each account's bearer token, by account name.
    public private(set) var tokens: [String: String] = [:]

    /// `accounts` are (name, role) pairs; `edit` changes the policy text first;
    /// `prepare` runs before the daemon starts, with the fixture (whose registry a test
    /// may open with its manual clock to make records of past days); `source` gives the
    /// run's frame source arguments, made with the fixture's directory (a clip written
    /// there), instead of `--source none`.
    public init(
        edit: @escaping (String) -> String = { $0 },
        accounts: [(String, String)] = [("ana", "admin"), ("ben", "admin"), ("sam", "staff"), ("dee", "dpo")],
        prepare: (ConsentFixture) throws -> Void = { _ in },
        source: (ConsentFixture) throws -> [String] = { _ in ["--source", "none"] },
        cgroup: MemoryCgroup? = nil
    ) throws {
        fixture = try ConsentFixture { text in edit(ConsentFixture.fillingInController(text)) }
        try prepare(fixture)
        daemon = try DaemonProcess(
            arguments: try source(fixture) + ["--policy", fixture.policyPath, "--log-level", "info"], socketPath: fixture.socketPath,
            cgroup: cgroup)
        base = try Self.address(of: daemon)
        for (name, role) in accounts {
            let added = try cli(
                ["console", "user", "add", name, "--role", role, "--person", "Person \(name)"], stdin: Self.password + "\n")
            guard added.status == 0 else { throw Self.failure("console user add \(name): \(added.stderr)") }
            let token = try cli(["console", "token", "add", name])
            guard token.status == 0 else { throw Self.failure("console token add \(name): \(token.stderr)") }
            tokens[name] = token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// The console's address, from the daemon's log line.
    public static func address(of daemon: DaemonProcess) throws -> String {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            for line in daemon.errorText.split(separator: "\n") where line.contains("console listening") {
                if let range = line.range(of: #"https?://[0-9.]+:[0-9]+"#, options: .regularExpression) { return String(line[range]) }
            }
            usleep(50_000)
        }
        throw failure("no console address in: \(daemon.errorText)")
    }

    /// Runs `facegate ARGUMENTS --socket SOCKET` against this daemon.
    public func cli(_ arguments: [String], stdin: String? = nil) throws -> FacegateProcess.Result {
        try facegate.run(arguments + ["--socket", fixture.socketPath], stdin: stdin.map { Data($0.utf8) })
    }

    /// A client with `name`'s bearer token, or with none.
    public func client(_ name: String? = nil) -> ConsoleClient { ConsoleClient(base: base, bearer: name.flatMap { tokens[$0] }) }

    public func photo(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: TestResources.fixture(name))) }

    /// Enrols through the API as `admin`; returns the subject (throws with the reply
    /// when the enrolment was refused).
    public func enrol(_ name: String, photos: [String], purposes: [String] = ["entry", "attendance-analytics"], as admin: String = "ana")
        throws -> String
    {
        let (body, type) = ConsoleClient.multipart(
            fields: [("name", name), ("notice", "2026-01")] + purposes.map { ("purposes", $0) },
            files: try photos.map { (field: "photo", filename: $0, type: "image/jpeg", data: try photo($0)) })
        let reply = try client(admin).request("POST", "/api/v1/subjects", body: body, contentType: type)
        guard reply.status == 200, let subject = reply.json["subject"] as? String else {
            throw Self.failure("enrolling \(name) answered \(reply.status): \(reply.text)")
        }
        return subject
    }

    public func identify(_ file: String, as name: String) throws -> ConsoleClient.Reply {
        try client(name).request("POST", "/api/v1/identify", body: try photo(file), contentType: "image/jpeg")
    }

    /// The audit log's entries (`facegate export audit`).
    public func auditEntries() throws -> [[String: Any]] {
        try cli(["export", "audit"]).jsonLines.filter { $0["type"] as? String == "entry" }
    }

    static func failure(_ message: String) -> NSError {
        NSError(domain: "console-daemon", code: 1, userInfo: [NSLocalizedDescriptionKey: message])
    }
}
