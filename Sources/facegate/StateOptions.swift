import ArgumentParser
import Edge
import FacegateCore
import Vault

/// Where the appliance keeps its state (keys, database, erasure journal).
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: ArgumentHelp("The appliance's state directory (default: $FACEGATE_STATE_DIR, then /var/lib/facegate).", valueName: "DIR"))
    var stateDirectory: String?

    var resolvedStateDirectory: String {
        if let stateDirectory { return stateDirectory }
        if let fromEnvironment = ProcessEnvironment.current["FACEGATE_STATE_DIR"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "/var/lib/facegate"
    }

    var location: VaultLocation { VaultLocation(stateDirectory: resolvedStateDirectory) }
}
