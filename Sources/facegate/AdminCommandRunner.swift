import ArgumentParser
import Consent
import Edge
import FaceEngine
import FacegateCore
import Logging
import Vault

/// Runs an admin request: over the daemon's socket, or in this process on the
/// database with the same dispatcher the daemon's socket uses.
struct AdminCommandRunner {
    let global: GlobalOptions
    let state: StateOptions

    /// Runs `request`: through the daemon's socket when one listens (so that the
    /// daemon's gallery and alerts stay right), else in this process as the current
    /// OS user, holding the state directory's lock for the whole command (one writer
    /// per state directory). When a daemon holds the state directory but its socket
    /// does not answer, nothing runs: the command fails at once (exit 75) naming the
    /// socket it tried. `inProcessOnly` is for what must stay local (camera frames).
    func run(_ command: AdminCommand, images: [ImageSource] = [], loadGallery: Bool = false, inProcessOnly: Bool = false) async throws
        -> JSONValue
    {
        // A photo that is not a regular file (a FIFO would block for ever) is refused
        // before anything else, above all before the state directory's lock is taken.
        for image in images { try image.checkReadable() }
        let request = AdminRequest(command, images: images)
        // An admin may reach the daemon without being able to read its policy: only
        // the in-process path needs the policy (and the keys).
        let policyForSocket = try? state.loadPolicy()
        let socketPath = state.socket(policy: policyForSocket)
        if !inProcessOnly, let client = try AdminSocketClient.connect(path: socketPath) {
            // When the caller said which appliance (--policy, --state-dir, or their
            // environment variables), a daemon serving another one refuses.
            let environment = ProcessEnvironment.current
            let explicit =
                state.policyPath != nil || state.stateDirectory != nil
                || environment["FACEGATE_STATE_DIR"].map { !$0.isEmpty } == true
                || environment[Policy.environmentVariable].map { !$0.isEmpty } == true
            if explicit, policyForSocket != nil || state.stateDirectory != nil {
                client.stateDirectory = state.location(policy: policyForSocket).stateDirectory
            }
            return try client.send(request)
        }
        let policy = try policyForSocket ?? state.loadPolicy()
        let logger = global.makeLogger()
        let location = state.location(policy: policy)
        let advice =
            inProcessOnly
            ? "stop it (systemctl stop facegate) to use the camera from this command"
            : "its admin socket '\(socketPath)' did not answer, and no command runs beside a daemon. Pass its socket with --socket (or fix the policy's socket), or retry once it has started; nothing was done"
        let lock = try StateDirectoryLock(
            location: location, holder: .command, purpose: "run \(command.name.rawValue)", whenDaemonRuns: advice)
        let registry = try ConsentRegistry.open(
            policy: policy, location: location, lock: lock, environment: ProcessEnvironment.current, logger: logger,
            loadGallery: loadGallery)
        defer { registry.close() }
        let models =
            (try? global.locateModels())
            ?? ModelFiles(directory: ModelFiles.candidateDirectories(environment: ProcessEnvironment.current).first ?? ".cache/models")
        let operations = ApplianceOperations(registry: registry, models: models, logger: logger)
        return try await AdminDispatcher(operations: operations).dispatch(request, caller: .user(OSUser.current()))
    }
}

/// Runs one admin command and prints its result: JSON, or the line `describe` makes for
/// people. Every admin subcommand without output of its own goes through here.
func runAdmin(
    _ command: @autoclosure () throws -> AdminCommand, global: GlobalOptions, state: StateOptions, json: Bool,
    describe: @escaping (JSONValue) -> String
) async throws {
    try await runReportingErrors(json: json) {
        let result = try await AdminCommandRunner(global: global, state: state).run(try command())
        if json { CommandOutput.json(result) } else { CommandOutput.line(describe(result)) }
    }
}

/// Common flags of the admin commands.
struct AdminOptions: ParsableArguments {
    @Flag(help: "Print the result as JSON.")
    var json = false
}
