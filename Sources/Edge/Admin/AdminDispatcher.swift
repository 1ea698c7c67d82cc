import Consent
public import FaceEngine
public import FacegateCore

/// Runs admin requests through `ApplianceOperations`: checks the caller's access, runs
/// the command on the right thread, audits the outcome. The socket server and the
/// in-process CLI dispatch through the same instance type, so a command behaves the
/// same whichever door it came through.
public struct AdminDispatcher: Sendable {
    /// Where a command's blocking work runs: inline (the CLI in-process), or on the
    /// daemon's low-priority admin workers (`AdminWorkers`) so that admins never
    /// starve the door or each other.
    public typealias Worker = @Sendable (@escaping @Sendable () throws -> JSONValue) async throws -> JSONValue

    public let operations: ApplianceOperations
    private let worker: Worker

    public init(operations: ApplianceOperations, worker: @escaping Worker = { try $0() }) {
        self.operations = operations
        self.worker = worker
    }

    /// The wire names of every command, as `docs/ADMIN-PROTOCOL.md` lists them.
    public static var commands: [String] { AdminCommand.Name.allCases.map(\.rawValue) }

    /// Runs a typed request (the CLI in-process, the console).
    public func dispatch(_ request: AdminRequest, caller: Caller) async throws -> JSONValue {
        try await run(request.command.name, images: request.images, caller: caller) { request.command }
    }

    /// Runs a request as it came over the socket: the command name is checked, then the
    /// caller's access (a refusal is audited), then the arguments are decoded (malformed
    /// arguments are refused without an audit entry: nothing was done).
    public func dispatch(wire name: String, arguments: JSONObject, images: [ImageSource], caller: Caller) async throws -> JSONValue {
        guard let command = AdminCommand.Name(wire: name) else {
            throw AdminError(
                .unknownCommand, "unknown command '\(name)'; known commands: \(Self.commands.sorted().joined(separator: ", "))")
        }
        return try await run(command, images: images, caller: caller) { try AdminCommand(command, arguments: arguments) }
    }

    private func run(
        _ name: AdminCommand.Name, images: [ImageSource], caller: Caller, decode: () throws -> AdminCommand
    ) async throws -> JSONValue {
        let operations = self.operations
        if !operations.mayRun(name, caller) {
            operations.auditCommand(name.rawValue, caller: caller, outcome: AdminError.Code.notPermitted.rawValue)
            throw AdminError(.notPermitted, operations.refusal(name, caller))
        }
        let command = try decode()
        let hub: ApplianceOperations.HubReading?
        do {
            hub = try await operations.readHub(for: command)
        } catch let error as any UserFacingError {
            operations.auditCommand(name.rawValue, caller: caller, outcome: error.errorCode)
            throw error
        }
        let run: @Sendable () throws -> JSONValue = {
            do {
                // The command's own entries carry who ran it (`AuditAttribution`); one that
                // writes none gets the generic entry.
                let result = try AuditAttribution.$current.withValue(ApplianceOperations.attribution(of: caller)) {
                    try operations.perform(command, images: images, caller: caller, hub: hub)
                }
                if !name.auditsItself { operations.auditCommand(name.rawValue, caller: caller, outcome: "ok") }
                return result
            } catch let error as AdminError where error.code == .invalidRequest {
                throw error  // malformed arguments: nothing was done
            } catch let error as any UserFacingError {
                // A damaged database is not written to, not even an audit entry.
                if error.errorCode != "corrupt_database" {
                    operations.auditCommand(name.rawValue, caller: caller, outcome: error.errorCode)
                }
                throw error
            }
        }
        return name.blocks ? try await worker(run) : try run()
    }
}
