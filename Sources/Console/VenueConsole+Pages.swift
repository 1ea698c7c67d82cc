import Consent
import Edge
import FaceEngine
import FacegateCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Vault

/// The pages: identify (staff, admins), enrol and members (admins; members for the
/// DPO too), the DPO's page. Each runs the same commands as the API; a person's name
/// appears in a page's body, never in its address.
extension VenueConsole {
    func addPages(to router: Router<ConsoleContext>) {
        router.get("/") { request, context in
            await self.page(request, context) { account, _ in ConsoleResponse.redirect(account.role == .dpo ? "/dpo" : "/identify") }
        }
        router.get("/identify") { request, context in
            await self.page(request, context, needs: .identify) { account, session in
                self.html("identify", [:], account, session)
            }
        }
        router.get("/enrol") { request, context in
            await self.page(request, context, needs: .enrol) { account, session in self.enrolPage(account, session, message: nil) }
        }
        router.post("/enrol") { request, context in
            await self.page(request, context, needs: .enrol) { account, session in
                var body = try await self.body(request)
                let (images, form) = try self.photos(request, field: "photo", &body)
                guard let form else { throw ConsoleError(.invalidRequest, "the enrolment form must be sent as multipart/form-data") }
                try self.checkCSRF(session, request, field: form.value("csrf"))
                do {
                    let result = try await self.perform(.enrol(try self.enrolment(form)), images: images, for: account)
                    return self.html("enrolled", Self.mustache(result), account, session)
                } catch let error as any UserFacingError where error.errorCode != ConsoleError.Code.csrfInvalid.rawValue {
                    return self.enrolPage(account, session, message: error.message, status: ConsoleResponse.status(for: error))
                }
            }
        }
        router.get("/members") { request, context in
            await self.page(request, context, needs: .subjects) { account, session in
                let listing = try await self.perform(.subjects(names: true), for: account)
                let subjects = (listing["subjects"]?.arrayValue ?? []).map { entry -> [String: Any] in
                    [
                        "subject": entry["subject"]?.stringValue ?? "", "name": entry["name"]?.stringValue ?? "",
                        "purposes": (entry["purposes"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "),
                        "expires_at": Self.day(entry["expires_at"]?.stringValue),
                    ]
                }.sorted { ($0["name"] as? String ?? "") < ($1["name"] as? String ?? "") }
                let message: Any = request.uri.queryParameters.get("done").flatMap { Self.doneMessages[$0] } ?? false
                return self.html("members", ["subjects": subjects, "count": subjects.count, "message": message], account, session)
            }
        }
        router.get("/members/:subject") { request, context in
            await self.page(request, context, needs: .subjects) { account, session in
                let message = request.uri.queryParameters.get("done").flatMap { Self.doneMessages[$0] }
                return try self.memberPage(try Self.subject(context), account, session, message: message)
            }
        }
        // The letter as a page to read and print (HTML), or a file to send (Markdown, JSON).
        for (format, type) in [(ExportDocument.Format.json, "application/json"), (.markdown, "text/markdown"), (.html, "text/html")] {
            router.get("/members/:subject/access.\(format.rawValue)") { request, context in
                await self.page(request, context, needs: .exportSubject) { account, _ in
                    let subject = try Self.subject(context)
                    let answer = try await self.perform(.exportSubject(subject, format: format), for: account)
                    let content = answer["content"]?.stringValue ?? ""
                    guard format != .html else { return ConsoleResponse.html(content) }
                    return ConsoleResponse.download(content, filename: "access-\(subject.rawValue).\(format.rawValue)", type: type)
                }
            }
        }
        // More photos of a member (a new look, glasses): templates added under the consent in force.
        router.post("/members/:subject/photos") { request, context in
            await self.page(request, context, needs: .addPhotos) { account, session in
                var body = try await self.body(request)
                let (images, form) = try self.photos(request, field: "photo", &body)
                guard let form else { throw ConsoleError(.invalidRequest, "the photos form must be sent as multipart/form-data") }
                try self.checkCSRF(session, request, field: form.value("csrf"))
                let subject = try Self.subject(context)
                do {
                    _ = try await self.perform(.addPhotos(subject), images: images, for: account)
                    return ConsoleResponse.redirect("/members/\(subject.rawValue)?done=photos")
                } catch let error as any UserFacingError where error.errorCode != ConsoleError.Code.csrfInvalid.rawValue {
                    var response = try self.memberPage(subject, account, session, message: nil, problem: error.message)
                    response.status = ConsoleResponse.status(for: error)
                    return response
                }
            }
        }
        router.post("/members/:subject/withdraw") { request, context in
            await self.page(request, context, needs: .withdraw) { account, session in
                let fields = try await self.formFields(request)
                try self.checkCSRF(session, request, field: fields.value("csrf"))
                let purposes = fields.values("purposes")
                guard !purposes.isEmpty else { throw ConsoleError(.invalidRequest, "tick at least one purpose to withdraw") }
                let subject = try Self.subject(context)
                let result = try await self.perform(.withdraw(subject, purposes: purposes), for: account)
                return ConsoleResponse.redirect(
                    result["erased"]?.boolValue == true ? "/members?done=erased" : "/members/\(subject.rawValue)?done=withdrawn")
            }
        }
        router.post("/members/:subject/erase") { request, context in
            await self.page(request, context, needs: .erase) { account, session in
                let fields = try await self.formFields(request)
                try self.checkCSRF(session, request, field: fields.value("csrf"))
                guard fields.value("confirm")?.trimmingWhiteSpace.lowercased() == "erase" else {
                    throw ConsoleError(.invalidRequest, "type 'erase' in the confirmation box to erase the member; nothing was erased")
                }
                _ = try await self.perform(.erase(try Self.subject(context)), for: account)
                return ConsoleResponse.redirect("/members?done=erased")
            }
        }
        router.get("/dpo") { request, context in
            await self.page(request, context, needs: .exportConsentLog) { account, session in try self.dpoPage(account, session) }
        }
        router.get("/dpo/sign.md") { request, context in
            await self.page(request, context, needs: .exportConsentLog) { _, _ in
                // The policy in force; while [controller] is the example, the draft (marked).
                let policy = self.registry.policy
                let sign = try (try? DoorSign.markdown(policy)) ?? DoorSign.markdown(policy, draft: true)
                return ConsoleResponse.download(sign, filename: "facegate-door-sign.md", type: "text/markdown")
            }
        }
        router.get("/dpo/exports/:file") { request, context in
            await self.page(request, context, needs: .exportConsentLog) { account, _ in
                let file = context.parameters.get("file") ?? ""
                let parts = file.split(separator: ".", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ConsoleError(.notFound, "no export '\(file.prefix(40))'") }
                let command = try Self.export(parts[0], format: parts[1])
                let answer = try await self.perform(command, for: account)
                let type = parts[1] == "md" ? "text/markdown" : parts[1] == "csv" ? "text/csv" : "application/json"
                return ConsoleResponse.download(answer["content"]?.stringValue ?? "", filename: "facegate-\(file)", type: type)
            }
        }
        router.post("/dpo/verify") { request, context in
            await self.page(request, context, needs: .auditVerify) { account, session in
                var body = try await self.body(request)
                defer { Self.wipe(&body) }
                guard let boundary = MultipartForm.boundary(of: request.headers[.contentType] ?? "") else {
                    throw ConsoleError(.invalidRequest, "send the export as a file of the form")
                }
                let form = try body.withUnsafeReadableBytes { raw throws(ConsoleError) in try MultipartForm(raw, boundary: boundary) }
                try self.checkCSRF(session, request, field: form.value("csrf"))
                guard let file = form.files("export").first else { throw ConsoleError(.invalidRequest, "choose the export file to verify") }
                var key: [UInt8]?
                if let text = form.value("public_key")?.trimmingWhiteSpace, !text.isEmpty {
                    guard let bytes = Hex.decode(String(text)), bytes.count == 32 else {
                        throw ConsoleError(.invalidRequest, "the public key must be 64 hex digits (facegate keys show)")
                    }
                    key = bytes
                }
                let export = String(decoding: file.bytes, as: UTF8.self)
                let outcome = try await self.verification(of: export, enteredKey: key, for: account)
                var values = outcome.values
                values["device_key"] = Hex.encode(self.registry.audit.publicKey)
                return self.html("verified", values, account, session)
            }
        }
    }

    /// What the DPO's "verify an export" checked, said as it is. An export carries the
    /// public key that signed it, so checking it against that key shows only that it is
    /// intact: anyone can sign a forged file with a key of their own. The console runs
    /// on the device, so without a key entered it checks against this device's key; an
    /// export intact under its own key but not this device's is said to be so (another
    /// door's, or forged), never "verifies".
    func verification(of export: String, enteredKey: [UInt8]?, for account: ConsoleAccount) async throws -> (
        ok: Bool, values: [String: Any]
    ) {
        let deviceKey = registry.audit.publicKey
        let checked = try await verify(export, against: enteredKey ?? deviceKey, for: account)
        if checked.valid {
            let against = enteredKey == nil ? "this device's public key" : "the public key you entered"
            return (true, ["ok": true, "summary": "\(checked.kind): intact and signed with \(against)", "details": checked.details])
        }
        if enteredKey == nil, (try? await verify(export, against: nil, for: account))?.valid == true {
            return (
                false,
                [
                    "ok": false, "other_key": true,
                    "summary":
                        "\(checked.kind): intact, but signed with a key that is not this device's, so this does not show that it came from this device. If it is another door's export, enter that door's public key (`facegate keys show` there) and verify again.",
                    "details": checked.details,
                ]
            )
        }
        return (false, ["ok": false, "summary": checked.failure ?? "\(checked.kind): does not verify", "details": checked.details])
    }

    /// One verification of `export` against `key` (nil: the key the export carries).
    private func verify(_ export: String, against key: [UInt8]?, for account: ConsoleAccount) async throws -> (
        valid: Bool, kind: String, details: String, failure: String?
    ) {
        do {
            let result = try await perform(.auditVerify(export: export, publicKey: key), for: account)
            return (
                result["valid"]?.boolValue == true, result["kind"]?.stringValue ?? "export", result["detail"]?.serialized ?? "", nil
            )
        } catch let error as any UserFacingError where error.errorCode == "verification_failed" {
            return (false, "export", "", error.message)
        }
    }

    static let doneMessages = [
        "withdrawn": "The purposes were withdrawn.", "erased": "The member was erased.",
        "photos": "The photos were added: the door now also knows the member from them.",
    ]

    /// Runs a page handler: signed out → the sign-in page; a role that may not run
    /// `needs` → 403; any other refusal → a page that says what went wrong.
    func page(
        _ request: Request, _ context: ConsoleContext, needs command: AdminCommand.Name? = nil,
        _ body: (ConsoleAccount, ConsoleSession?) async throws -> Response
    ) async -> Response {
        var who: (ConsoleAccount, ConsoleSession?)?
        do {
            let (account, session) = try account(request, context)
            who = (account, session)
            if let command, !command.consoleRoles.contains(account.role) {
                throw ConsoleError(.notPermitted, "the \(account.role.rawValue) role cannot use this page")
            }
            return try await reserving(request) { try await body(account, session) }
        } catch let error as ConsoleError where error.code == .signInRequired {
            return ConsoleResponse.redirect("/login")
        } catch let error as any UserFacingError {
            return message(error.message, heading: "Not done", kind: "error", status: ConsoleResponse.status(for: error), who)
        } catch {
            logger.error("console page failed", metadata: ["route": "\(context.endpointPath ?? "?")", "error": "\(error)"])
            return message(UnexpectedError(error).message, heading: "Not done", kind: "error", status: .internalServerError, who)
        }
    }

    func html(
        _ name: String, _ values: [String: Any], _ account: ConsoleAccount, _ session: ConsoleSession?, status: HTTPResponse.Status = .ok
    ) -> Response {
        var values = values
        values["csrf"] = session?.csrf ?? ""
        return ConsoleResponse.html(pages.render(name, values, account: account, csrf: session?.csrf), status: status)
    }

    private func message(
        _ text: String, heading: String, kind: String, status: HTTPResponse.Status, _ who: (ConsoleAccount, ConsoleSession?)?
    ) -> Response {
        let values: [String: Any] = ["heading": heading, "text": text, "kind": kind, "back": "/"]
        guard let (account, session) = who else {
            return ConsoleResponse.html(pages.render("message", values, account: nil), status: status)
        }
        return html("message", values.merging(["back": "/"]) { $1 }, account, session, status: status)
    }

    func formFields(_ request: Request) async throws -> FormFields {
        var body = try await request.body.collect(upTo: 64 << 10)
        defer { Self.wipe(&body) }
        return FormFields(body.getString(at: body.readerIndex, length: body.readableBytes) ?? "")
    }

    private func enrolPage(
        _ account: ConsoleAccount, _ session: ConsoleSession?, message: String?, status: HTTPResponse.Status = .ok
    ) -> Response {
        let policy = registry.policy
        let notice = policy.notices.last!
        let purposes = policy.purposes.filter { notice.purposes.contains($0.id) }.map { purpose -> [String: Any] in
            ["id": purpose.id, "description": purpose.description, "required": purpose.id == policy.consent.requiredPurpose]
        }
        let values: [String: Any] = [
            "notice": ["version": notice.version, "html": DocumentHTML.body(notice.text, headingOffset: 1)], "purposes": purposes,
            "message": message ?? false,
        ]
        return html("enrol", values, account, session, status: status)
    }

    private func memberPage(
        _ subject: SubjectID, _ account: ConsoleAccount, _ session: ConsoleSession?, message: String?, problem: String? = nil
    ) throws -> Response {
        let registry = self.registry
        guard let profile = try? registry.vault.profile(of: subject) else {
            throw ConsoleError(.notFound, "no member \(subject.rawValue) (erased, expired, or never enrolled)")
        }
        audit(account, "console.member_view", ["subject": .string(subject.rawValue)])
        let consent = registry.activeConsent(of: subject)
        let records = try registry.consentRecords(of: subject).map { record -> [String: Any] in
            [
                "id": record.id, "notice": record.noticeVersion, "purposes": record.purposes.joined(separator: ", "),
                "method": record.method,
                "given": Timestamp.iso8601(record.recordedAt),
                "ended": record.withdrawnAt.map { "withdrawn \(Timestamp.iso8601($0))" } ?? record.supersededBy.map {
                    "superseded by \($0)"
                }
                    ?? "in force",
            ]
        }
        var values: [String: Any] = [
            "name": profile.displayName, "subject": subject.rawValue, "records": records, "message": message ?? false,
            "problem": problem ?? false,
            "expires_at": consent.map { Timestamp.iso8601($0.expiresAt) } ?? "—",
            "purposes": consent?.purposes.sorted().joined(separator: ", ") ?? "none",
            "purpose_list": consent?.purposes.sorted() ?? [], "admin": account.role == .admin,
        ]
        if consent?.purposes.contains(ConsentRegistry.analyticsPurpose) == true {
            let visits = try registry.visits(of: subject)
            let last: Any = visits.last.map { Timestamp.iso8601($0) } ?? false
            values["analytics"] = ["visit_count": visits.count, "last_visit": last]
        }
        if account.role == .admin {
            values["governance"] = [
                "incidents": try registry.incidents(of: subject).count, "deny_listed": registry.isDenyListed(subject) ? "in force" : "no",
            ]
        }
        return html("member", values, account, session)
    }

    private func dpoPage(_ account: ConsoleAccount, _ session: ConsoleSession?) throws -> Response {
        let policy = registry.policy
        let subjects = try registry.subjects()
        let expiries = subjects.sorted { $0.expiresAt < $1.expiresAt }.prefix(10).map { entry -> [String: Any] in
            ["expires_at": Timestamp.iso8601(entry.expiresAt), "subject": entry.subject.rawValue]
        }
        return html(
            "dpo",
            [
                "subjects": subjects.count, "expiries": Array(expiries), "template_days": Int(policy.retention.templateDays),
                "access_event_days": Int(policy.retention.accessEventDays), "sweep_minutes": Int(policy.retention.sweepIntervalMinutes),
                "last_sweep": registry.retentionSweep.lastRun.map { Timestamp.iso8601($0) } ?? "not yet since the daemon started",
                // A door of a fleet: every door's audit chain, from the hub.
                "fleet": dispatcher.operations.fleet != nil, "device_key": Hex.encode(registry.audit.publicKey),
            ], account, session)
    }

    /// A JSON object as a template's values (strings, numbers, booleans, nested).
    static func mustache(_ value: JSONValue) -> [String: Any] {
        var out: [String: Any] = [:]
        for entry in value.objectValue?.entries ?? [] {
            switch entry.value {
            case .string(let text): out[entry.key] = text
            case .int(let number): out[entry.key] = number
            case .double(let number): out[entry.key] = number
            case .bool(let flag): out[entry.key] = flag
            case .object: out[entry.key] = mustache(entry.value)
            default: out[entry.key] = entry.value.serialized
            }
        }
        return out
    }

    /// The day of an ISO 8601 time.
    static func day(_ text: String?) -> String { String((text ?? "").prefix(10)) }
}
