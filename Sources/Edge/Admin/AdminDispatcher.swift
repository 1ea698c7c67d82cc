public import Consent
public import FacegateCore
import Vault

/// Maps admin command names to the service's operations. Built once by
/// `AdminDispatcher.standard(...)`, then immutable: the socket server and the
/// in-process CLI dispatch through the same table.
public struct AdminDispatcher: Sendable {
    public typealias Handler = @Sendable (AdminRequest, OSUser) throws -> JSONValue

    /// Where a command's blocking work runs: inline (the CLI in-process), or on the
    /// daemon's low-priority admin workers (`AdminWorkers`) so that admins never
    /// starve the door or each other.
    public typealias Worker = @Sendable (@escaping @Sendable () throws -> JSONValue) async throws -> JSONValue

    /// Who may run a command.
    public enum Access: Sendable {
        /// Root, the service user and the admin group.
        case admin
        /// Anyone the socket lets in (read-only, non-personal).
        case anyone
    }

    struct Route: Sendable {
        var access: Access
        /// False for answers from memory (`status`): they never wait behind blocking work.
        var blocks: Bool
        var handler: Handler
    }

    private let routes: [String: Route]
    private let isAdmin: @Sendable (OSUser) -> Bool
    private let audit: @Sendable (String, OSUser, String) -> Void
    private let worker: Worker

    /// Builds a dispatcher; `register` adds routes.
    public struct Builder {
        var routes: [String: Route] = [:]

        public mutating func register(_ command: String, access: Access = .admin, blocks: Bool = true, _ handler: @escaping Handler) {
            routes[command] = Route(access: access, blocks: blocks, handler: handler)
        }

        /// `audit(command, caller, outcome)` records every command run; `worker` runs
        /// the blocking ones (by default, inline).
        public func build(
            isAdmin: @escaping @Sendable (OSUser) -> Bool, audit: @escaping @Sendable (String, OSUser, String) -> Void = { _, _, _ in },
            worker: @escaping Worker = { try $0() }
        ) -> AdminDispatcher {
            AdminDispatcher(routes: routes, isAdmin: isAdmin, audit: audit, worker: worker)
        }
    }

    public var commands: [String] { routes.keys.sorted() }

    /// Runs a request for `caller`, checking access first.
    public func dispatch(_ request: AdminRequest, caller: OSUser) async throws -> JSONValue {
        guard let route = routes[request.command] else {
            throw AdminError(.unknownCommand, "unknown command '\(request.command)'; known commands: \(commands.joined(separator: ", "))")
        }
        if route.access == .admin && !isAdmin(caller) {
            audit(request.command, caller, AdminError.Code.notPermitted.rawValue)
            throw AdminError(.notPermitted, "'\(caller.name)' may not run '\(request.command)': only root, the service user and the admin group may")
        }
        let audit = self.audit
        let run: @Sendable () throws -> JSONValue = {
            do {
                let result = try route.handler(request, caller)
                audit(request.command, caller, "ok")
                return result
            } catch let error as AdminError where error.code == .invalidRequest {
                throw error  // malformed arguments: nothing was done
            } catch let error as any UserFacingError {
                // A damaged database is not written to, not even an audit entry.
                if error.errorCode != "corrupt_database" { audit(request.command, caller, error.errorCode) }
                throw error
            }
        }
        return route.blocks ? try await worker(run) : try run()
    }
}

extension AdminDispatcher.Access: Equatable {}

extension AdminDispatcher {
    /// The commands every facegate process offers, over `service`.
    public static func standard(
        service: FacegateService, worker: @escaping Worker = { try $0() }, extra: (inout Builder) -> Void = { _ in }
    ) -> AdminDispatcher {
        var builder = Builder()
        builder.register("status", access: .anyone, blocks: false) { _, _ in service.status() }
        builder.register("subjects") { request, caller in
            try service.subjects(caller: caller, includeNames: try request.bool("names"))
        }
        builder.register("enroll") { request, caller in
            let enrolment = EnrolmentRequest(
                displayName: try request.string("name"),
                fields: request.arguments["fields"]?.objectValue.map { object in
                    Dictionary(object.entries.compactMap { entry in entry.value.stringValue.map { (entry.key, $0) } }, uniquingKeysWith: { a, _ in a })
                } ?? [:],
                noticeVersion: try request.string("notice"),
                purposes: try request.strings("purposes") ?? [],
                method: try request.string("method"))
            return try service.enroll(images: request.images, request: enrolment, caller: caller)
        }
        builder.register("identify") { request, caller in
            guard !request.images.isEmpty else { throw AdminError(.invalidRequest, "'identify' needs at least one image") }
            return .array(request.images.map { image in
                do { return try service.identify(image, caller: caller) } catch let error as any UserFacingError {
                    return ["file": .string(image.name), "error": error.json]
                } catch {
                    return ["file": .string(image.name), "error": UnexpectedError(error).json]
                }
            })
        }
        builder.register("erase") { request, caller in
            try service.erase(try request.subject(), caller: caller)
        }
        builder.register("consent.withdraw") { request, caller in
            try service.withdraw(try request.subject(), purposes: try request.strings("purposes"), caller: caller)
        }
        builder.register("purge") { _, caller in try service.purge(caller: caller) }
        builder.register("export.consent_log") { request, caller in
            try service.registry.exportConsentLog(format: try request.exportFormat(default: .jsonl), actor: caller).json
        }
        builder.register("export.audit") { request, caller in
            try service.registry.exportAudit(format: try request.exportFormat(default: .jsonl), actor: caller).json
        }
        builder.register("export.ropa") { request, caller in
            try service.registry.exportRecordOfProcessing(format: try request.exportFormat(default: .json), actor: caller).json
        }
        builder.register("export.subject") { request, caller in
            try service.exportSubjectAccess(try request.subject(), caller: caller).json
        }
        builder.register("audit.verify") { request, _ in
            let text = try request.string("export")
            let key = try request.optionalString("public_key").map { text -> [UInt8] in
                guard let bytes = Hex.decode(text), bytes.count == 32 else {
                    throw AdminError(.invalidRequest, "'public_key' must be 64 hex digits")
                }
                return bytes
            }
            return try ExportVerification.verify(text: text, publicKey: key).json
        }
        builder.register("export.undelivered") { request, caller in
            try service.registry.recordUndeliveredExport(
                try request.string("export"), outcome: try request.string("outcome"), reason: try request.string("reason"), actor: caller)
            return ["recorded": true]
        }
        builder.register("audit.check") { _, _ in
            try service.registry.checkIntegrity().json
        }
        builder.register("backup.prepare") { _, _ in
            try service.registry.prepareBackup()
        }
        builder.register("backup.record") { request, caller in
            let epochs = try request.arguments["key_epochs"].map { value -> [Int] in
                guard let list = value.arrayValue?.compactMap(\.intValue), list.count == value.arrayValue?.count else {
                    throw AdminError(.invalidRequest, "'key_epochs' must be a list of whole numbers")
                }
                return list
            } ?? []
            return try service.registry.recordBackup(destination: try request.string("destination"), epochs: epochs, actor: caller)
        }
        builder.register("stats") { request, _ in
            let days = request.arguments["days"].map { $0.intValue ?? -1 } ?? 30
            guard (1...3650).contains(days) else { throw AdminError(.invalidRequest, "'stats': 'days' must be a whole number from 1 to 3650") }
            return try service.registry.statistics(days: days)
        }
        builder.register("policy.reload") { _, caller in
            try service.reloadPolicy(caller: caller)
        }
        builder.register("incident.add") { request, caller in
            let (incident, proposed) = try service.registry.addIncident(
                try request.subject(), category: try request.string("category"), note: try request.optionalString("note"), actor: caller)
            return ["incident": incident.json, "proposed_entry": proposed?.json ?? .null]
        }
        builder.register("denylist.list") { request, _ in
            try service.registry.requireDenyList()
            return ["entries": .array(try service.registry.denyListEntries(of: try request.optionalSubject()).map(\.json))]
        }
        builder.register("denylist.propose") { request, caller in
            try service.registry.proposeDenyListEntry(
                try request.subject(), reason: try request.string("reason"), evidence: try request.strings("evidence") ?? [], actor: caller).json
        }
        builder.register("denylist.approve") { request, caller in
            try service.registry.approveDenyListEntry(try request.string("entry"), reason: try request.string("reason"), actor: caller).json
        }
        builder.register("denylist.reject") { request, caller in
            try service.registry.rejectDenyListEntry(try request.string("entry"), reason: try request.string("reason"), actor: caller).json
        }
        builder.register("denylist.renew") { request, caller in
            try service.registry.renewDenyListEntry(try request.string("entry"), reason: try request.string("reason"), actor: caller).json
        }
        builder.register("door.confirm") { request, caller in
            try service.registry.confirmAlert(
                try request.string("alert"), decision: try request.string("decision"), reason: try request.string("reason"), actor: caller).json
        }
        builder.register("door.alerts") { _, _ in
            ["alerts": .array(try service.registry.alerts().filter { $0.status == .open }.map(\.json))]
        }
        extra(&builder)
        return builder.build(
            isAdmin: { service.isAdmin($0) },
            audit: { command, caller, outcome in service.auditCommand(command, caller: caller, outcome: outcome) },
            worker: worker)
    }
}

extension AdminRequest {
    func exportFormat(default fallback: ExportDocument.Format) throws -> ExportDocument.Format {
        guard let text = try optionalString("format") else { return fallback }
        guard let format = ExportDocument.Format(rawValue: text) else {
            throw AdminError(.invalidRequest, "unknown export format '\(text)'; use one of: \(ExportDocument.Format.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return format
    }
}

extension ExportDocument {
    /// `{"format":"jsonl","content":"…"}`: how an export travels over the socket.
    public var json: JSONValue { ["format": .string(format.rawValue), "content": .string(text)] }
}
