import ArgumentParser
import Consent
import Edge
import FacegateCore
import Logging
import Vault

/// Runs an admin request: in this process, on the database, with the same
/// dispatcher the daemon's socket uses.
struct AdminCommandRunner {
    let global: GlobalOptions
    let state: StateOptions

    /// Opens the service and runs `request` as the current OS user.
    func run(_ request: AdminRequest, loadGallery: Bool) async throws -> JSONValue {
        let logger = global.makeLogger()
        let policy = try state.loadPolicy()
        let location = state.location(policy: policy)
        let registry = try ConsentRegistry.open(
            policy: policy, location: location, environment: ProcessEnvironment.current, logger: logger, loadGallery: loadGallery)
        let models = (try? global.locateModels()) ?? ModelFiles(directory: ModelFiles.candidateDirectories(environment: ProcessEnvironment.current).first ?? ".cache/models")
        let service = FacegateService(registry: registry, models: models, logger: logger)
        return try await AdminDispatcher.standard(service: service).dispatch(request, caller: OSUser.current())
    }
}

/// Common flags of the admin commands.
struct AdminOptions: ParsableArguments {
    @Flag(help: "Print the result as JSON.")
    var json = false
}
