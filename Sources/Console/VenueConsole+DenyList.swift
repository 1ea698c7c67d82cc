import Consent
import Edge
import FacegateCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Vault

/// The deny-list workflow (admins): whether it is on and under which DPIA, enabling
/// it (two distinct admins), incidents per member, proposals by the policy's rule or
/// by hand with evidence, the approval queue, entries due for review and renewals.
/// Every step is the `denylist.*` or `incident.add` command dispatched for the
/// account, so the two-person rule, the audit (`console:NAME`) and the refusals are
/// `DenyListGovernance`'s; the page only leaves out the buttons a refusal would answer.
extension VenueConsole {
    func addDenyList(to router: Router<ConsoleContext>) {
        // The pages are the admins' workspace (the DPO reads the list through the API
        // and the CLI: `denylist.list` is theirs too).
        router.get("/denylist") { request, context in
            await self.page(request, context, needs: .denyListPropose) { account, session in
                let done = request.uri.queryParameters.get("done").flatMap { Self.denyListDone[$0] }
                return try await self.denyListPage(account, session, message: done)
            }
        }
        router.get("/denylist/member") { request, context in
            await self.page(request, context, needs: .denyListPropose) { _, _ in
                let text = request.uri.queryParameters.get("subject") ?? ""
                guard let subject = SubjectID(text) else { throw ConsoleError(.invalidRequest, "choose a member") }
                return ConsoleResponse.redirect("/denylist/members/\(subject.rawValue)")
            }
        }
        router.get("/denylist/members/:subject") { request, context in
            await self.page(request, context, needs: .denyListPropose) { account, session in
                let done = request.uri.queryParameters.get("done").flatMap { Self.denyListDone[$0] }
                return try await self.denyListMemberPage(try Self.subject(context), account, session, message: done)
            }
        }
        router.post("/denylist/enable") { request, context in
            await self.denyListForm(request, context, .denyListEnable, fields: ["dpia_reference", "reason"]) { _, _ in
                "/denylist?done=enable"
            }
        }
        router.post("/denylist/disable") { request, context in
            await self.denyListForm(request, context, .denyListDisable, fields: ["reason"]) { _, _ in "/denylist?done=disable" }
        }
        router.post("/denylist/members/:subject/incidents") { request, context in
            await self.denyListForm(request, context, .incidentAdd, fields: ["category", "note"]) { context in
                ["subject": try Self.subject(context).rawValue]
            } next: { answer, arguments in
                let done = answer["proposed_entry"]?.objectValue == nil ? "incident" : "rule"
                return "/denylist/members/\(arguments["subject"]?.stringValue ?? "")?done=\(done)"
            }
        }
        router.post("/denylist/entries") { request, context in
            await self.denyListForm(request, context, .denyListPropose, fields: ["subject", "reason"], lists: ["evidence"]) { _, _ in
                "/denylist?done=proposed"
            }
        }
        for (step, name) in Self.entrySteps {
            router.post("/denylist/entries/:entry/\(step)") { request, context in
                await self.denyListForm(request, context, name, fields: ["reason"]) { context in
                    ["entry": try Self.entryID(context)]
                } next: { _, _ in
                    "/denylist?done=\(step)"
                }
            }
        }
    }

    func addDenyListAPI(_ on: (HTTPRequest.Method, String, @escaping @Sendable (Request, ConsoleContext) async throws -> Response) -> Void)
    {
        on(.get, "/denylist") { request, context in
            await self.api(request, context) { account, _ in try await self.denyListAnswer(for: account) }
        }
        on(.post, "/denylist/enable") { request, context in
            await self.api(request, context) { account, session in
                try await self.perform(try await self.jsonCommand(.denyListEnable, request, session), for: account)
            }
        }
        on(.post, "/denylist/entries") { request, context in
            await self.api(request, context) { account, session in
                try await self.perform(try await self.jsonCommand(.denyListPropose, request, session), for: account)
            }
        }
        for (step, name) in Self.entrySteps {
            on(.post, "/denylist/entries/:entry/\(step)") { request, context in
                await self.api(request, context) { account, session in
                    let entry = try Self.entryID(context)
                    return try await self.perform(try await self.jsonCommand(name, request, session, fixed: ["entry": entry]), for: account)
                }
            }
        }
        on(.post, "/incidents") { request, context in
            await self.api(request, context) { account, session in
                try await self.perform(try await self.jsonCommand(.incidentAdd, request, session), for: account)
            }
        }
    }

    /// The steps on one entry, by the last part of their path.
    static let entrySteps: [(String, AdminCommand.Name)] = [
        ("approve", .denyListApprove), ("reject", .denyListReject), ("renew", .denyListRenew), ("lift", .denyListLift),
    ]

    static let denyListDone = [
        "enable": "Your request to enable the deny-list is recorded.", "disable": "The deny-list is disabled.",
        "incident": "The incident is recorded.",
        "rule": "The incident is recorded, and the policy's rule proposed an entry: it waits for approvals.",
        "proposed": "The entry is proposed: it waits for approvals from other admins.", "approve": "Your approval is recorded.",
        "reject": "Your rejection is recorded.", "lift": "The entry is lifted: the door no longer raises alerts about this member.",
        "renew": "The renewal is proposed: it waits for approvals from other admins.",
    ]

    /// An entry id from the path: 16 hex digits (`RandomToken.hex(8)`), nothing else reaches a command.
    static func entryID(_ context: ConsoleContext) throws -> String {
        let text = context.parameters.get("entry") ?? ""
        guard text.utf8.count == 16, text.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw ConsoleError(.notFound, "'\(text.prefix(40))' is not a deny-list entry id (16 hex digits)")
        }
        return text
    }

    // MARK: Commands from forms and JSON

    /// A form of the workflow: its fields (trimmed; a blank one is missing, so the
    /// command refuses it as the CLI would) read as the command's arguments, the
    /// command run, then a redirect to `next(answer, arguments)`; `fixed` adds
    /// arguments from the path.
    private func denyListForm(
        _ request: Request, _ context: ConsoleContext, _ name: AdminCommand.Name, fields: [String], lists: [String] = [],
        fixed: (ConsoleContext) throws -> [String: String] = { _ in [:] }, next: (JSONValue, JSONObject) -> String
    ) async -> Response {
        await page(request, context, needs: name) { account, session in
            let fixed = try fixed(context)
            let form = try await self.formFields(request)
            try self.checkCSRF(session, request, field: form.value("csrf"))
            var arguments = JSONObject()
            for field in fields {
                if let value = form.value(field)?.trimmingWhiteSpace, !value.isEmpty { arguments[field] = .string(String(value)) }
            }
            for list in lists {
                arguments[list] = .array(form.values(list).map(\.trimmingWhiteSpace).filter { !$0.isEmpty }.map { .string(String($0)) })
            }
            for (key, value) in fixed { arguments[key] = .string(value) }
            let answer = try await self.perform(try AdminCommand(name, arguments: arguments), for: account)
            return ConsoleResponse.redirect(next(answer, arguments))
        }
    }

    /// A command from a JSON object body: its arguments as on the admin socket
    /// (`AdminCommand(_:arguments:)` checks them), strings trimmed, with `fixed` from the path.
    private func jsonCommand(
        _ name: AdminCommand.Name, _ request: Request, _ session: ConsoleSession?, fixed: [String: String] = [:]
    ) async throws -> AdminCommand {
        try checkCSRF(session, request, field: nil)
        var body = try await request.body.collect(upTo: 64 << 10)
        defer { Self.wipe(&body) }
        guard let parsed = try? JSONParser.parse(Array(body.readableBytesView)), var object = parsed.objectValue else {
            throw ConsoleError(.invalidRequest, "the body must be a JSON object with the command's arguments")
        }
        for entry in object.entries {
            if let text = entry.value.stringValue { object[entry.key] = .string(String(text.trimmingWhiteSpace)) }
        }
        for (key, value) in fixed { object[key] = .string(value) }
        return try AdminCommand(name, arguments: object)
    }

    // MARK: What the page shows

    /// `GET /api/v1/denylist`: whether it is on, under which DPIA, the admins' open
    /// activation and the entries (none while it is off). The entries are the
    /// `denylist.list` command's, which also checks the role.
    func denyListAnswer(for account: ConsoleAccount) async throws -> JSONValue {
        let governance = registry.denyList
        var entries: JSONValue = .array([])
        do {
            entries = try await perform(.denyListList(subject: nil), for: account)["entries"] ?? .array([])
        } catch let error as any UserFacingError where error.errorCode == "denylist_refused" && !governance.isEnabled {
            // Off: the command says so; the answer says it as `enabled: false`.
        }
        let policy = registry.policy.denyList
        return [
            "enabled": .bool(governance.isEnabled), "dpia_reference": .string(governance.dpiaReference),
            "enabled_by_policy": .bool(policy.isActive), "activation": governance.openActivation?.json ?? .null,
            "activation_review": .array(try governance.openActivation.map(governance.review(of:))?.map(JSONValue.string) ?? []),
            "approvals_required": .int(policy.approvalsRequired), "review_days": .int(Int(policy.reviewDays)),
            "review_notice_days": .int(Int(DenyListEntry.reviewNoticeDays)), "entries": entries,
        ]
    }

    private func denyListPage(_ account: ConsoleAccount, _ session: ConsoleSession?, message: String?) async throws -> Response {
        let answer = try await denyListAnswer(for: account)
        let policy = registry.policy.denyList
        let me = account.actor.name
        var names: [String: String] = [:]
        var members: [[String: Any]] = []
        if answer["enabled"]?.boolValue == true {
            let listing = try await perform(.subjects(names: true), for: account)
            for entry in listing["subjects"]?.arrayValue ?? [] {
                guard let subject = entry["subject"]?.stringValue else { continue }
                names[subject] = entry["name"]?.stringValue ?? subject
                members.append(["subject": subject, "name": names[subject] ?? subject])
            }
            members.sort { ($0["name"] as? String ?? "") < ($1["name"] as? String ?? "") }
        }
        let entries = (answer["entries"]?.arrayValue ?? []).map { Self.entryValues($0, names: names, me: me, policy: policy) }
        let activation = answer["activation"]?.objectValue.map { activation -> [String: Any] in
            let askers =
                [activation["proposed_by"]?.stringValue ?? ""] + (activation["approvals"]?.arrayValue ?? []).compactMap(\.stringValue)
            return [
                "reference": activation["dpia_reference"]?.stringValue ?? "", "asked": askers.joined(separator: ", "),
                "count": askers.count, "pending": activation["state"]?.stringValue == "proposed", "you_asked": askers.contains(me),
            ]
        }
        let values: [String: Any] = [
            "enabled": answer["enabled"]?.boolValue == true, "reference": answer["dpia_reference"]?.stringValue ?? "",
            "by_policy": policy.isActive, "activation": activation ?? false, "required": policy.approvalsRequired,
            "review_days": Int(policy.reviewDays), "notice_days": Int(DenyListEntry.reviewNoticeDays),
            "rules": policy.rules.map { ["category": $0.category, "incidents": $0.incidents, "window_days": Int($0.windowDays)] },
            "queue": entries.filter { $0["pending"] as? Bool == true },
            "review_soon": entries.filter { $0["review_soon"] as? Bool == true },
            "active": entries.filter { $0["state"] as? String == "active" },
            "closed": entries.filter { ["rejected", "lapsed", "lifted"].contains($0["state"] as? String ?? "") },
            "has_closed": entries.contains { ["rejected", "lapsed", "lifted"].contains($0["state"] as? String ?? "") },
            "members": members, "message": message ?? false,
        ]
        return html("denylist", values, account, session)
    }

    private func denyListMemberPage(
        _ subject: SubjectID, _ account: ConsoleAccount, _ session: ConsoleSession?, message: String?
    ) async throws -> Response {
        guard let profile = try? registry.vault.profile(of: subject) else {
            throw ConsoleError(.notFound, "no member \(subject.rawValue) (erased, expired, or never enrolled)")
        }
        let policy = registry.policy.denyList
        let enabled = registry.denyList.isEnabled
        var entries: [[String: Any]] = []
        if enabled {
            let answer = try await perform(.denyListList(subject: subject), for: account)
            entries = (answer["entries"]?.arrayValue ?? []).map {
                Self.entryValues($0, names: [subject.rawValue: profile.displayName], me: account.actor.name, policy: policy)
            }
        }
        // There is no command that lists incidents: read after the role check, and the view audited, as the member page does.
        audit(account, "console.member_view", ["subject": .string(subject.rawValue), "page": "denylist"])
        let incidents = try registry.incidents(of: subject).sorted { $0.recordedAt > $1.recordedAt }.map { incident -> [String: Any] in
            [
                "id": incident.id, "category": incident.category, "note": incident.note ?? "", "by": incident.recordedBy,
                "at": String(Timestamp.iso8601(incident.recordedAt).prefix(16).map { $0 == "T" ? " " : $0 }),
            ]
        }
        let open = entries.contains { ["proposed", "active"].contains($0["state"] as? String ?? "") }
        let values: [String: Any] = [
            "name": profile.displayName, "subject": subject.rawValue, "enabled": enabled, "incidents": incidents,
            "has_incidents": !incidents.isEmpty, "categories": policy.categories, "entries": entries, "can_propose": enabled && !open,
            "message": message ?? false,
        ]
        return html("denylist_member", values, account, session)
    }

    /// An entry of `denylist.list` as the templates show it: the member's name, who
    /// proposed it (the rule, or an account), its approvals so far, whether this account
    /// may approve it (not the round's proposer, not a recorder of its evidence, not
    /// twice: the server refuses all three anyway), and what the DPO should ask about the
    /// accounts behind it (`TwoPersonReview`).
    static func entryValues(_ entry: JSONValue, names: [String: String], me: String, policy: Policy.DenyList) -> [String: Any] {
        let state = entry["state"]?.stringValue ?? ""
        let round = entry["round"]?.intValue ?? 1
        let renewal = entry["renewal_pending"]?.boolValue == true
        let pending = state == "proposed" || renewal
        let decisions = (entry["approvals"]?.arrayValue ?? []).filter { $0["round"]?.intValue == round }
        let approvers = decisions.filter { $0["decision"]?.stringValue == "approve" }.compactMap { $0["approver"]?.stringValue }
        let proposer = entry["round_proposed_by"]?.stringValue ?? entry["proposed_by"]?.stringValue ?? ""
        let subject = entry["subject"]?.stringValue ?? ""
        let recorders = (entry["evidence_recorded_by"]?.arrayValue ?? []).compactMap(\.stringValue)
        let review = (entry["review"]?.arrayValue ?? []).compactMap(\.stringValue)
        return [
            "entry": entry["entry"]?.stringValue ?? "", "subject": subject, "name": names[subject] ?? subject, "state": state,
            "reason": entry["reason"]?.stringValue ?? "",
            "evidence": (entry["evidence"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "),
            "proposed_by": proposer.hasPrefix("rule:") ? "the policy's rule (\(proposer.dropFirst(5)))" : proposer,
            "by_rule": proposer.hasPrefix("rule:"), "renewal": renewal, "round": round, "pending": pending,
            "approvals": approvers.count, "required": policy.approvalsRequired, "approvers": approvers.joined(separator: ", "),
            "has_approvers": !approvers.isEmpty,
            "mine": proposer == me, "recorded_evidence": recorders.contains(me) && proposer != me,
            "can_approve": pending && proposer != me && !approvers.contains(me) && !recorders.contains(me),
            "review": review.map { ["finding": $0] }, "has_review": !review.isEmpty,
            "can_renew": state == "active" && !renewal, "active": state == "active", "review_soon": entry["review_soon"]?.boolValue == true,
            "review_at": day(entry["review_at"]?.stringValue), "proposed_at": day(entry["proposed_at"]?.stringValue),
        ]
    }
}
