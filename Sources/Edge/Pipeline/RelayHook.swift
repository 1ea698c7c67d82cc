import Vault
#if canImport(Glibc)
import Glibc
#endif

/// Runs the policy's relay command for each `member` decision (to open the door),
/// with the decision in its environment: FACEGATE_DECISION, FACEGATE_SUBJECT,
/// FACEGATE_TRACK, FACEGATE_DISTANCE. Never for `alert` or `unknown`: the appliance
/// opens for members and never refuses by itself. The command's output is discarded.
public struct RelayHook: Sendable {
    public let command: String

    public init(command: String) {
        self.command = command
    }

    func fire(_ event: PipelineEvent) {
        guard event.decision.kind == .member else { return }
        var environment = ["PATH=/usr/local/bin:/usr/bin:/bin", "FACEGATE_DECISION=member", "FACEGATE_TRACK=\(event.track)"]
        if let subject = event.decision.subject { environment.append("FACEGATE_SUBJECT=\(subject.rawValue)") }
        if let distance = event.decision.distance { environment.append("FACEGATE_DISTANCE=\(distance)") }
        let arguments = ["/bin/sh", "-c", command]
        var pid = pid_t()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        guard posix_spawn(&pid, "/bin/sh", &actions, nil, argv, envp) == 0 else { return }
        // Reap the child without blocking the pipeline.
        let child = pid
        var thread = pthread_t()
        let box = UnsafeMutablePointer<pid_t>.allocate(capacity: 1)
        box.initialize(to: child)
        if pthread_create(&thread, nil, { raw in
            let pointer = raw!.assumingMemoryBound(to: pid_t.self)
            var status: Int32 = 0
            waitpid(pointer.pointee, &status, 0)
            pointer.deallocate()
            return nil
        }, box) == 0 {
            pthread_detach(thread)
        } else {
            box.deallocate()
        }
    }
}
