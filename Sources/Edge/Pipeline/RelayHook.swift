internal import CLinuxSupport
import FacegateCore
public import Logging
import Synchronization
import Vault

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the policy's relay command for each `member` decision and card-only entry
/// (to open the door), with the decision in its environment: FACEGATE_DECISION
/// (`member` or `card`), FACEGATE_SUBJECT, FACEGATE_TRACK, FACEGATE_DISTANCE. Never
/// for anything else: the appliance opens for members and never refuses by itself. The command's output is discarded.
///
/// Each run is its own process group, killed (the shell and whatever it started)
/// when it outlives `timeoutSeconds` and at shutdown, so that a hanging relay cannot
/// pile up processes; its exit status is logged when it is not 0.
public final class RelayHook: Sendable {
    public let command: String
    let timeoutSeconds: Double
    let logger: Logger
    /// Process groups of the runs not yet reaped.
    private let running = Mutex<Set<pid_t>>([])

    public init(command: String, timeoutSeconds: Double, logger: Logger) {
        self.command = command
        self.timeoutSeconds = timeoutSeconds
        self.logger = logger
    }

    /// How many runs are still going (tests).
    public var runningCount: Int { running.withLock { $0.count } }

    func fire(_ event: PipelineEvent) {
        guard event.decision.kind.opensDoor else { return }
        var environment = ["PATH=/usr/local/bin:/usr/bin:/bin", "FACEGATE_DECISION=\(event.decision.kind.rawValue)"]
        if let track = event.track { environment.append("FACEGATE_TRACK=\(track)") }
        if let subject = event.decision.subject { environment.append("FACEGATE_SUBJECT=\(subject.rawValue)") }
        if let distance = event.decision.distance { environment.append("FACEGATE_DISTANCE=\(distance)") }
        guard let pid = spawn(environment: environment) else { return }
        running.withLock { _ = $0.insert(pid) }
        let deadline = Timestamp.now() + timeoutSeconds
        PipelineThread.start(name: "fg-relay") { [self] in reap(pid, deadline: deadline) }
    }

    /// Kills every run still going (at shutdown).
    public func terminateAll() {
        for pid in running.withLock({ $0 }) { kill(-pid, SIGKILL) }
    }

    private func spawn(environment: [String]) -> pid_t? {
        let arguments = ["/bin/sh", "-c", command]
        var pid = pid_t()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Nothing else of the daemon's: not the admin socket, not the camera.
        _ = fg_linux_spawn_close_from(&actions, 3)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A process group of its own (pgid = pid), so a timeout kills what it started too.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let status = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
        guard status == 0 else {
            logger.error("the relay command could not be started", metadata: ["relay.error": "\(String(cString: strerror(status)))"])
            return nil
        }
        return pid
    }

    private func reap(_ pid: pid_t, deadline: Double) {
        var status: Int32 = 0
        var timedOut = false
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result < 0 && errno != EINTR) { break }
            if !timedOut && Timestamp.now() >= deadline {
                timedOut = true
                kill(-pid, SIGKILL)
            }
            usleep(20_000)
        }
        // What the command left running in its group (`door-open &`) goes at the
        // deadline too. The group id cannot be reused while a member lives.
        while kill(-pid, 0) == 0 {
            if Timestamp.now() >= deadline {
                timedOut = true
                kill(-pid, SIGKILL)
                break
            }
            usleep(50_000)
        }
        running.withLock { _ = $0.remove(pid) }
        if timedOut {
            logger.error(
                "the relay command ran longer than relay_timeout_seconds and was killed", metadata: ["relay.timeout_s": "\(timeoutSeconds)"]
            )
        } else if (status & 0x7f) != 0 {
            logger.warning("the relay command was killed by a signal", metadata: ["relay.signal": "\(status & 0x7f)"])
        } else if (status >> 8) & 0xff != 0 {
            logger.warning("the relay command failed", metadata: ["relay.exit_status": "\((status >> 8) & 0xff)"])
        }
    }
}
