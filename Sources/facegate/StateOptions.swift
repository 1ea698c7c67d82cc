import ArgumentParser
import Consent
import Edge
import FacegateCore
import Vault

/// Where the appliance's policy and state are.
struct StateOptions: ParsableArguments {
    @Option(
        name: .customLong("policy"),
        help: ArgumentHelp(
            "The policy file (default: $FACEGATE_POLICY, then /etc/facegate/policy.toml, then ./policy/default.toml).", valueName: "FILE"))
    var policyPath: String?

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "The state directory: keys, database, erasure journal (default: $FACEGATE_STATE_DIR, then the policy's state_dir).",
            valueName: "DIR"))
    var stateDirectory: String?

    @Option(
        name: .customLong("socket"),
        help: ArgumentHelp(
            "The daemon's admin socket (default: the policy's, else the one the running daemon recorded in the state directory, else /run/facegate/admin.sock). Admin commands use it when a daemon listens there, and otherwise run in this process.",
            valueName: "PATH"))
    var socketPath: String?

    /// The socket a command tries (see `AdminSocketPath`).
    func socket(policy: Policy?) -> String {
        AdminSocketPath.forCommand(explicit: socketPath, policy: policy, location: location(policy: policy))
    }

    func loadPolicy() throws -> Policy {
        try Policy.load(path: policyPath ?? Policy.defaultPath(environment: ProcessEnvironment.current))
    }

    /// The state directory: --state-dir, then $FACEGATE_STATE_DIR, then the policy's.
    func location(policy: Policy?) -> VaultLocation {
        if let stateDirectory { return VaultLocation(stateDirectory: stateDirectory) }
        if let fromEnvironment = ProcessEnvironment.current["FACEGATE_STATE_DIR"], !fromEnvironment.isEmpty {
            return VaultLocation(stateDirectory: fromEnvironment)
        }
        return VaultLocation(stateDirectory: policy?.appliance.stateDirectory ?? Policy.Appliance.defaultStateDirectory)
    }

    /// The location without requiring a policy (key init, backup, restore).
    var location: VaultLocation { location(policy: try? loadPolicy()) }
}
