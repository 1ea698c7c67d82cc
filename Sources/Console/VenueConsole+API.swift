import Consent
import Edge
import FaceEngine
import FacegateCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Vault

/// The JSON API under `/api/v1` (described by `/api/v1/openapi.json`): the same
/// operations as the pages, for API clients with a bearer token or a browser with its
/// session (and then its CSRF token on anything that changes state).
extension VenueConsole {
    func addAPI(to router: Router<ConsoleContext>) {
        let api = router.group("/api/v1")
        // The methods each path answers: any other gets 405 with `Allow` (RFC 9110), not 404.
        var routes = MethodNotAllowed<ConsoleContext>(prefix: "/api/v1")
        func on(
            _ method: HTTPRequest.Method, _ path: String,
            _ handler: @escaping @Sendable (Request, ConsoleContext) async throws -> Response
        ) {
            api.on(RouterPath(path), method: method, use: handler)
            routes.add(method, path)
        }
        on(.get, "/openapi.json") { _, _ in ConsoleResponse.text(OpenAPIDocument.json, type: "application/json; charset=utf-8") }
        on(.get, "/status") { request, context in
            await self.api(request, context) { account, _ in try await self.perform(.status, for: account) }
        }
        on(.post, "/identify") { request, context in
            await self.api(request, context) { account, session in
                try self.checkCSRF(session, request, field: nil)
                var body = try await self.body(request)
                let (images, _) = try self.photos(request, field: "image", &body)
                guard !images.isEmpty else { throw ConsoleError(.invalidRequest, "no photo in the request (the field is 'image')") }
                let result = try await self.perform(.identify(), images: images, for: account)
                let answers = (result.arrayValue ?? []).map(Self.withoutFileName)
                if answers.count == 1, let only = answers.first {
                    // One photo that could not be read: the request failed, with its status.
                    if let error = only["error"] { throw RemoteError(json: error) }
                    return only
                }
                return ["images": .array(answers)]
            }
        }
        on(.get, "/subjects") { request, context in
            await self.api(request, context) { account, _ in try await self.perform(.subjects(names: true), for: account) }
        }
        on(.post, "/subjects") { request, context in
            await self.api(request, context) { account, session in
                var body = try await self.body(request)
                let (images, form) = try self.photos(request, field: "photo", &body)
                guard let form else {
                    throw ConsoleError(.invalidRequest, "enrolment takes multipart/form-data (fields and 'photo' files)")
                }
                try self.checkCSRF(session, request, field: form.value("csrf"))
                return try await self.perform(.enrol(try self.enrolment(form)), images: images, for: account)
            }
        }
        on(.get, "/subjects/:subject") { request, context in
            await self.api(request, context) { account, _ in
                let subject = try Self.subject(context)
                let answer = try await self.perform(.exportSubject(subject), for: account)
                return JSONParser.parseIfObject(answer["content"]?.stringValue) ?? answer
            }
        }
        on(.post, "/subjects/:subject/erase") { request, context in
            await self.api(request, context) { account, session in
                try self.checkCSRF(session, request, field: nil)
                return try await self.perform(.erase(try Self.subject(context)), for: account)
            }
        }
        on(.post, "/subjects/:subject/withdraw") { request, context in
            await self.api(request, context) { account, session in
                try self.checkCSRF(session, request, field: nil)
                var body = try await self.body(request)
                defer { Self.wipe(&body) }
                var purposes: [String]?
                if body.readableBytes > 0 {
                    let parsed = try? JSONParser.parse(Array(body.readableBytesView))
                    guard let object = parsed?.objectValue else {
                        throw ConsoleError(
                            .invalidRequest, "the body must be a JSON object: {\"purposes\":[\"…\"]}, or empty to withdraw all")
                    }
                    if let list = object["purposes"] {
                        guard let items = list.arrayValue, items.allSatisfy({ $0.stringValue != nil }), !items.isEmpty else {
                            throw ConsoleError(.invalidRequest, "'purposes' must be a non-empty list of purpose names")
                        }
                        purposes = items.compactMap(\.stringValue)
                    }
                }
                return try await self.perform(.withdraw(try Self.subject(context), purposes: purposes), for: account)
            }
        }
        on(.get, "/exports/:kind") { request, context in
            await self.api(request, context) { account, _ in
                let kind = context.parameters.get("kind") ?? ""
                let format = request.uri.queryParameters.get("format")
                return try await self.perform(try Self.export(kind, format: format), for: account)
            }
        }
        addDoorAPI(on)
        addDenyListAPI(on)
        addStatisticsAPI(on)
        // Added last, it wraps only the router's "no route" answer.
        router.add(middleware: routes)
    }

    /// Runs an API handler: the account first (401), then the work; a refusal becomes
    /// `{"error":{"code","message","exit"}}` with its HTTP status.
    func api(
        _ request: Request, _ context: ConsoleContext, _ body: (ConsoleAccount, ConsoleSession?) async throws -> JSONValue
    ) async -> Response {
        do {
            let (account, session) = try account(request, context)
            return ConsoleResponse.json(try await reserving(request) { try await body(account, session) })
        } catch let error as any UserFacingError {
            return ConsoleResponse.apiError(error)
        } catch {
            logger.error("console request failed", metadata: ["route": "\(context.endpointPath ?? "?")", "error": "\(error)"])
            return ConsoleResponse.apiError(UnexpectedError(error))
        }
    }

    /// An enrolment request from a form's fields: `name`, `notice` (the newest when
    /// absent), `purposes` (repeated), `method` (`tablet` when absent), `card`, and
    /// `field.KEY` for membership fields.
    func enrolment(_ form: MultipartForm) throws -> EnrolmentRequest {
        let policy = registry.policy
        guard let name = form.value("name")?.trimmingWhiteSpace, !name.isEmpty else {
            throw ConsoleError(.invalidRequest, "enrolment needs the person's name (field 'name')")
        }
        var fields: [String: String] = [:]
        for part in form.parts where part.filename == nil && part.name.hasPrefix("field.") {
            let value = String(decoding: part.bytes, as: UTF8.self).trimmingWhiteSpace
            if !value.isEmpty { fields[String(part.name.dropFirst(6))] = String(value) }
        }
        let card = form.value("card").map { String($0.trimmingWhiteSpace) }.flatMap { $0.isEmpty ? nil : $0 }
        return EnrolmentRequest(
            displayName: String(name), fields: fields, noticeVersion: form.value("notice") ?? policy.notices.last!.version,
            purposes: form.values("purposes"), method: form.value("method") ?? "tablet", card: card)
    }

    static func subject(_ context: ConsoleContext) throws -> SubjectID {
        let text = context.parameters.get("subject") ?? ""
        guard let subject = SubjectID(text) else {
            throw ConsoleError(.notFound, "'\(text.prefix(40))' is not a subject id (32 hex digits)")
        }
        return subject
    }

    /// The export command for `/exports/{kind}` (`consent_log`, `audit`, `fleet_audit`, `ropa`, `dpia`).
    static func export(_ kind: String, format text: String?) throws -> AdminCommand {
        let format = try text.map { try AdminArguments.exportFormat(parsing: $0) }
        switch kind {
        case "consent_log": return .exportConsentLog(format ?? .jsonl)
        case "audit": return .exportAudit(format ?? .jsonl)
        case "fleet_audit": return .exportFleetAudit
        case "ropa": return .exportRecordOfProcessing(format ?? .json, draft: false)
        case "ropa_draft": return .exportRecordOfProcessing(format ?? .json, draft: true)
        case "dpia": return .exportImpactAssessment(format ?? .markdown)
        default:
            throw ConsoleError(.notFound, "no export '\(kind.prefix(40))'; use consent_log, audit, fleet_audit, ropa, ropa_draft or dpia")
        }
    }

    /// An identify answer without the upload's name.
    static func withoutFileName(_ value: JSONValue) -> JSONValue {
        guard var object = value.objectValue else { return value }
        object.entries.removeAll { $0.key == "file" }
        return .object(object)
    }
}

extension JSONParser {
    /// The object `text` holds, if it parses as one (an Art. 15 answer's JSON).
    static func parseIfObject(_ text: String?) -> JSONValue? {
        guard let text, let value = try? parse(Array(text.utf8)), value.objectValue != nil else { return nil }
        return value
    }
}
