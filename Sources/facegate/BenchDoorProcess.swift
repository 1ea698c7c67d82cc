import Edge
import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

/// A door of `facegate bench fleet --processes`: `facegate run` with no camera on a
/// benchmark's scratch state directory, its output in `run.log` there, watched through
/// its admin socket. A process per door, as at a venue, so that doors share nothing
/// but the hub and the machine.
final class BenchDoorProcess {
    let pid: pid_t
    let socketPath: String
    private var client: AdminSocketClient?

    init(stateDirectory: String) throws {
        socketPath = stateDirectory + "/admin.sock"
        let executable = (try? String(decoding: Self.readLink("/proc/self/exe"), as: UTF8.self)) ?? CommandLine.arguments[0]
        let arguments = [
            executable, "run", "--source", "none", "--policy", stateDirectory + "/policy.toml", "--socket", socketPath,
            "--console", "off", "--log-level", "warning",
        ]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stateDirectory + "/run.log", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let status = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard status == 0 else { throw BenchFleetProcessError("cannot start \(executable) run: \(String(cString: strerror(status)))") }
        self.pid = pid
    }

    private static func readLink(_ path: String) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count)
        guard count > 0 else { throw BenchFleetProcessError("readlink \(path)") }
        return Array(buffer.prefix(count))
    }

    /// The daemon's answer to `command`, or nil while it does not answer (starting,
    /// busy past the timeout, or an idle connection it closed: the next call reconnects).
    func ask(_ command: AdminCommand) -> JSONValue? {
        do {
            if client == nil { client = try AdminSocketClient.connect(path: socketPath, timeoutSeconds: 30) }
            guard let client else { return nil }
            return try client.send(AdminRequest(command))
        } catch {
            client = nil
            return nil
        }
    }

    /// Throws, with the end of its log, when the daemon has exited.
    func checkRunning() throws {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return }
        let log = String(socketPath.dropLast("admin.sock".count)) + "run.log"
        let fd = open(log, O_RDONLY | O_CLOEXEC)
        var tail = ""
        if fd >= 0 {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let count = read(fd, &buffer, buffer.count)
            close(fd)
            tail = String(decoding: buffer.prefix(max(0, count)).suffix(600), as: UTF8.self)
        }
        throw BenchFleetProcessError("a door's `facegate run` exited (status \(status)); its log ends: \(tail)")
    }

    /// Members in the daemon's gallery, or nil while it does not answer.
    var subjects: Int? { ask(.status)?["subjects"]?.intValue }

    /// Resident memory in kB (`VmRSS`), or nil when it has gone.
    var residentKilobytes: Int? {
        let fd = open("/proc/\(pid)/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { return nil }
        let text = String(decoding: buffer.prefix(count), as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }

    /// Stops the daemon (SIGTERM, then SIGKILL after 20 s) and reaps it.
    func stop() {
        client = nil
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<400 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(50_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }
}

/// A door process of the fleet benchmark that could not be started.
struct BenchFleetProcessError: Error, UserFacingError {
    let message: String
    init(_ message: String) { self.message = message }
    var errorCode: String { "bench_failed" }
    var exitStatus: ExitStatus { .software }
}
