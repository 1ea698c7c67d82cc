public import Foundation

/// A fleet hub for one test: Debian's PostgreSQL, a cluster of its own (`initdb` in a
/// temporary directory, trust authentication, listening on a Unix socket only, no TCP
/// port), with one database `hub`. It can be stopped like a hub that went away
/// (`stop(immediate:)`), started again, dumped and restored. As root, the server runs
/// as Debian's `postgres` user (PostgreSQL refuses to run as root).
public final class TestHub: @unchecked Sendable {
    /// Whether a missing PostgreSQL fails the test (`make test` sets it) instead of skipping it.
    public static var required: Bool { TestResources.environment["FACEGATE_REQUIRE_HUB"] == "1" }

    /// PostgreSQL's server programs, the newest installed.
    public static let binaries: String? = {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.last.map { "\(root)/\($0)/bin" }.flatMap { FileManager.default.fileExists(atPath: $0 + "/initdb") ? $0 : nil }
    }()

    /// Why a hub cannot run here, or nil.
    public static var missing: String? {
        guard binaries != nil else { return "PostgreSQL's server (Debian's postgresql: make deps)" }
        guard FileManager.default.fileExists(atPath: "/usr/bin/psql") else { return "psql (Debian's postgresql-client: make deps)" }
        return nil
    }

    public static var skipMessage: String {
        "missing \(missing ?? ""); `make test` installs it (FACEGATE_REQUIRE_HUB=1 fails instead)"
    }

    public let directory: String
    private let bin: String

    /// The hub's address, as `fleet init` and `fleet join` take it.
    public var url: String { "postgresql://facegate@/hub?host=\(directory)" }

    public init() throws {
        guard let bin = Self.binaries else { throw Self.failure("no PostgreSQL server: \(Self.skipMessage)") }
        self.bin = bin
        var template = Array("/tmp/fghub.XXXXXX".utf8CString)
        directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        chmod(directory, 0o755)
        if geteuid() == 0, let postgres = getpwnam("postgres") { chown(directory, postgres.pointee.pw_uid, postgres.pointee.pw_gid) }
        try server(["initdb", "-D", directory + "/data", "-U", "facegate", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"])
        try start()
        try psql("CREATE DATABASE hub", database: "postgres")
    }

    deinit {
        _ = try? server(["pg_ctl", "-D", directory + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts the server (again), on the same socket.
    public func start() throws {
        // The server inherits the output of pg_ctl: no pipe, or reading it would never end.
        try server(
            capture: false,
            [
                "pg_ctl", "-D", directory + "/data", "-o", "-c listen_addresses='' -k \(directory) -c fsync=off", "-l", directory + "/log",
                "-w",
                "start",
            ])
    }

    /// Stops the server; `immediate`, as a crash or a cut cable would leave it.
    public func stop(immediate: Bool = true) throws {
        try server(["pg_ctl", "-D", directory + "/data", "-m", immediate ? "immediate" : "fast", "-w", "stop"])
    }

    /// Runs SQL with psql and returns its unaligned, tuples-only output; as `user` (the
    /// cluster's superuser, the hub's owner, unless told).
    @discardableResult
    public func psql(_ sql: String, database: String = "hub", user: String = "facegate") throws -> String {
        try run("/usr/bin/psql", ["-h", directory, "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1", "-Atq", "-c", sql])
    }

    /// The hub's address as another role (a door's own).
    public func url(user: String) -> String { "postgresql://\(user)@/hub?host=\(directory)" }

    /// The server's processes: the postmaster (`postmaster.pid`) and its children.
    public func processes() -> [pid_t] {
        guard let text = try? String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8),
            let first = text.split(separator: "\n").first, let postmaster = pid_t(first.trimmingCharacters(in: .whitespaces))
        else { return [] }
        var children: [pid_t] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // "pid (comm) state ppid ...": the fields after the command's closing parenthesis.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, pid_t(fields[1]) == postmaster { children.append(pid) }
        }
        return [postmaster] + children
    }

    /// A black hole: every process of the server stopped (SIGSTOP), so connections stay
    /// open and nothing is ever answered, as behind a partition that drops packets.
    public func pause() throws {
        let processes = processes()
        guard !processes.isEmpty else { throw Self.failure("the hub's server is not running") }
        for pid in processes { kill(pid, SIGSTOP) }
    }

    /// Ends `pause()`.
    public func resume() {
        for pid in processes() { kill(pid, SIGCONT) }
    }

    /// A plain-SQL dump of the hub's database: what a backup of the hub, or a thief, holds.
    public func dump() throws -> String {
        try run(bin + "/pg_dump", ["-h", directory, "-U", "facegate", "-d", "hub"])
    }

    /// Replaces the hub's database with a dump (a hub restored from an old backup).
    public func restore(_ dump: String) throws {
        try psql("DROP DATABASE hub WITH (FORCE)", database: "postgres")
        try psql("CREATE DATABASE hub", database: "postgres")
        let file = directory + "/restore.sql"
        try dump.write(toFile: file, atomically: true, encoding: .utf8)
        try run("/usr/bin/psql", ["-h", directory, "-U", "facegate", "-d", "hub", "-v", "ON_ERROR_STOP=1", "-q", "-f", file])
    }

    /// A server program, as `postgres` when this process is root.
    @discardableResult
    private func server(capture: Bool = true, _ arguments: [String]) throws -> String {
        let program = bin + "/" + arguments[0]
        if geteuid() == 0 {
            return try run("/usr/sbin/runuser", ["-u", "postgres", "--", program] + arguments.dropFirst(), capture: capture)
        }
        return try run(program, Array(arguments.dropFirst()), capture: capture)
    }

    @discardableResult
    private func run(_ executable: String, _ arguments: [String], capture: Bool = true) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: "/tmp")
        guard capture else {
            // posix_spawn and waitpid: Foundation's Process waits for every holder of the
            // child's descriptors to exit, and the server pg_ctl starts holds them.
            var pid: pid_t = 0
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            for descriptor: Int32 in [0, 1, 2] {
                posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
            }
            let argv = ([executable] + arguments).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
            guard spawned == 0 else { throw Self.failure("cannot start \(executable): \(String(cString: strerror(spawned)))") }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            guard status == 0 else {
                let log = (try? String(contentsOfFile: directory + "/log", encoding: .utf8)) ?? ""
                throw Self.failure("\(executable) \(arguments.joined(separator: " ")) failed (status \(status)): \(log.suffix(2000))")
            }
            return ""
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        nonisolated(unsafe) var errors = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errors = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Self.failure(
                "\(executable) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(String(decoding: errors, as: UTF8.self))"
            )
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func failure(_ message: String) -> NSError {
        NSError(domain: "facegate-tests", code: 1, userInfo: [NSLocalizedDescriptionKey: message])
    }
}
