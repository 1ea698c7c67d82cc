import ArgumentParser
import Consent
import Edge
import FacegateCore

private func describeEntry(_ entry: JSONValue) -> String {
    let approvals = (entry["approvals"]?.arrayValue ?? []).compactMap { approval -> String? in
        guard approval["round"]?.intValue == entry["round"]?.intValue else { return nil }
        return "\(approval["approver"]?.stringValue ?? "?") (\(approval["decision"]?.stringValue ?? "?"))"
    }
    var line =
        "entry \(entry["entry"]?.stringValue ?? "?") for \(entry["subject"]?.stringValue ?? "?"): \(entry["state"]?.stringValue ?? "?")"
    if entry["renewal_pending"]?.boolValue == true { line += " (renewal pending)" }
    line += ", proposed by \(entry["proposed_by"]?.stringValue ?? "?")"
    if !approvals.isEmpty { line += ", round \(entry["round"]?.intValue ?? 1): \(approvals.joined(separator: ", "))" }
    if let review = entry["review_at"]?.stringValue { line += ", review \(review)" }
    return line
}

extension Facegate {
    /// The running appliance's state.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the appliance's state (subjects, deny-list, policy).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions

        func run() async throws {
            try await runAdmin(.status, global: global, state: state, json: options.json) { result in
                let camera = result["camera"].map { camera in
                    "; camera \(camera["up"]?.boolValue == true ? "up" : "down") (\(camera["fps"]?.doubleValue ?? 0) fps)"
                        + (CameraHealth.lightWarning(camera).map { "; " + $0 } ?? "")
                }
                return
                    "\(result["subjects"]?.intValue ?? 0) subject(s), \(result["templates"]?.intValue ?? 0) template(s); deny-list \(result["deny_list"]?.stringValue ?? "?"); policy \(result["policy"]?.stringValue ?? "?")\(camera ?? "")"
            }
        }
    }

    /// Reloads the policy in the running daemon.
    struct PolicyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "policy", abstract: "Policy operations.", subcommands: [Reload.self, Sign.self])

        struct Reload: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Reload and validate the policy file (a bad file changes nothing).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var options: AdminOptions

            func run() async throws {
                try await runAdmin(.policyReload, global: global, state: state, json: options.json) { result in
                    "reloaded \(result["policy"]?.stringValue ?? "?"); deny-list \(result["deny_list"]?.stringValue ?? "?")"
                }
            }
        }

        /// The sign for the door, from the policy file (no daemon needed).
        struct Sign: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print the sign for the door (Markdown), generated from the policy.",
                discussion: """
                    What the camera does, who is responsible, why, when a face is processed (the \
                    policy's trigger), what is kept and where to ask: the information people need \
                    before they walk up. Refused (exit 78) while [controller] still names the shipped \
                    example; --draft prints it marked as a draft.
                    """)
            @OptionGroup var state: StateOptions
            @Flag(help: "Print it even while [controller] holds the shipped example, marked as a draft.") var draft = false

            func run() async throws {
                try await runReportingErrors(json: false) {
                    print(try DoorSign.markdown(try state.loadPolicy(), draft: draft), terminator: "")
                }
            }
        }
    }

    /// Incidents, the evidence deny-list entries rest on.
    struct IncidentCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "incident", abstract: "Record incidents.", subcommands: [Add.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Record an incident against an enrolled subject (may propose a deny-list entry under the policy's rules).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var options: AdminOptions
            @Option(help: "The category (from the policy: violence, harassment, theft, ...).") var category: String
            @Option(help: "What happened (stored encrypted with the subject's key).") var note: String?
            @Argument(help: ArgumentHelp("The subject's pseudonym.", valueName: "SUBJECT")) var subject: String

            func run() async throws {
                try await runAdmin(
                    .incidentAdd(try AdminArguments.subject(parsing: subject), category: category, note: note), global: global,
                    state: state, json: options.json
                ) { result in
                    var line = "recorded incident \(result["incident"]?["incident"]?.stringValue ?? "?")"
                    if let entry = result["proposed_entry"], entry != .null {
                        line += "; the policy's rule proposed " + describeEntry(entry)
                    }
                    return line
                }
            }
        }
    }

    /// The human-governed deny-list.
    struct DenyList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "denylist",
            abstract: "Enable the deny-list; propose, approve, reject, renew and list its entries (off by default).",
            discussion:
                "The deny-list is off until the policy's number of distinct admins ask for it with the same DPIA reference (denylist enable), or the policy enables it with a DPIA reference. An entry is in force only after approvals from that many distinct admins, none of them its proposer; it lapses at its review date unless renewed the same way.",
            subcommands: [List.self, Propose.self, Approve.self, Reject.self, Renew.self, Lift.self, Enable.self, Disable.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List entries.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var options: AdminOptions
            @Option(help: "Only this subject's entries.") var subject: String?

            func run() async throws {
                try await runAdmin(
                    .denyListList(subject: try subject.map(AdminArguments.subject(parsing:))), global: global, state: state,
                    json: options.json
                ) { result in
                    let entries = result["entries"]?.arrayValue ?? []
                    return entries.isEmpty ? "no entries" : entries.map(describeEntry).joined(separator: "\n")
                }
            }
        }

        struct Propose: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Propose an entry, with a reason and incidents as evidence.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var options: AdminOptions
            @Option(help: "Why.") var reason: String
            @Option(name: .customLong("evidence"), help: "An incident id (repeat for several).") var evidence: [String] = []
            @Argument(help: ArgumentHelp("The subject's pseudonym.", valueName: "SUBJECT")) var subject: String

            func run() async throws {
                try await runAdmin(
                    .denyListPropose(try AdminArguments.subject(parsing: subject), reason: reason, evidence: evidence),
                    global: global, state: state, json: options.json, describe: describeEntry)
            }
        }

        struct Approve: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Approve an entry (not your own proposal; once per round).")
            @OptionGroup var decision: EntryDecisionOptions
            func run() async throws { try await decision.send { .denyListApprove(entry: $0, reason: $1) } }
        }

        struct Reject: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Reject an entry (closes it).")
            @OptionGroup var decision: EntryDecisionOptions
            func run() async throws { try await decision.send { .denyListReject(entry: $0, reason: $1) } }
        }

        struct Lift: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Lift an entry in force before its review date (one admin or the DPO; audited).",
                discussion: """
                    For a listing found mistaken or no longer needed: the door stops raising alerts \
                    about the person at once. One person suffices, since lifting can only end alerts; \
                    the reason is sealed in the audit log with who lifted it.
                    """)
            @OptionGroup var decision: EntryDecisionOptions
            func run() async throws { try await decision.send { .denyListLift(entry: $0, reason: $1) } }
        }

        struct Renew: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Ask for an active entry to be renewed (it needs the approvals again).")
            @OptionGroup var decision: EntryDecisionOptions
            func run() async throws { try await decision.send { .denyListRenew(entry: $0, reason: $1) } }
        }

        struct Enable: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Ask for the deny-list to be enabled under a DPIA; it is once enough distinct admins have asked with the same reference."
            )
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var options: AdminOptions
            @Option(help: ArgumentHelp("The reference of the DPIA that justifies the deny-list.", valueName: "REF")) var dpia: String
            @Option(help: "Why.") var reason: String

            func run() async throws {
                try await runAdmin(.denyListEnable(dpiaReference: dpia, reason: reason), global: global, state: state, json: options.json) {
                    result in
                    let admins = 1 + (result["approvals"]?.arrayValue?.count ?? 0)
                    return result["state"]?.stringValue == "active"
                        ? "the deny-list is enabled under DPIA \(result["dpia_reference"]?.stringValue ?? "?") (\(admins) admins asked)"
                        : "asked to enable the deny-list under DPIA \(result["dpia_reference"]?.stringValue ?? "?"): \(admins) admin(s) so far; another admin must ask too"
                }
            }
        }

        struct Disable: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Switch off the deny-list the admins enabled (one admin suffices).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var options: AdminOptions
            @Option(help: "Why.") var reason: String

            func run() async throws {
                try await runAdmin(.denyListDisable(reason: reason), global: global, state: state, json: options.json) { _ in
                    "the deny-list is disabled"
                }
            }
        }

        /// What approving, rejecting and renewing an entry take: the entry and a reason.
        struct EntryDecisionOptions: ParsableArguments {
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var options: AdminOptions
            @Option(help: "Why.") var reason: String
            @Argument(help: ArgumentHelp("The entry id.", valueName: "ENTRY")) var entry: String

            /// Sends the command `make(entry, reason)` builds.
            func send(_ make: (String, String) -> AdminCommand) async throws {
                try await runAdmin(make(entry, reason), global: global, state: state, json: options.json, describe: describeEntry)
            }
        }
    }

    /// Decisions at the door.
    struct Door: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Confirm alerts at the door; claims and card-only entries from a card reader.",
            subcommands: [Confirm.self, Alerts.self, Claim.self, Admit.self])

        struct Confirm: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Record a person's decision on an alert: deny or admit, with a reason.",
                discussion:
                    "The appliance never refuses by itself; an alert nobody confirms before the policy's timeout expires, and no action is taken."
            )
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var options: AdminOptions
            @Option(help: "deny or admit.") var decision: String
            @Option(help: "Why.") var reason: String
            @Argument(help: ArgumentHelp("The alert id (from the alert event).", valueName: "EVENT")) var alert: String

            func validate() throws {
                guard decision == "deny" || decision == "admit" else { throw ValidationError("--decision is deny or admit") }
            }

            func run() async throws {
                try await runAdmin(
                    .doorConfirm(alert: alert, decision: decision, reason: reason),
                    global: global, state: state, json: options.json
                ) { result in "alert \(alert): \(result["decision"]?.stringValue ?? "?") by \(result["decided_by"]?.stringValue ?? "?")" }
            }
        }

        struct Alerts: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List open alerts.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var options: AdminOptions

            func run() async throws {
                try await runAdmin(.doorAlerts, global: global, state: state, json: options.json) { result in
                    let alerts = result["alerts"]?.arrayValue ?? []
                    return alerts.isEmpty
                        ? "no open alerts"
                        : alerts.map {
                            "alert \($0["alert"]?.stringValue ?? "?") for \($0["subject"]?.stringValue ?? "?"), expires \($0["expires_at"]?.stringValue ?? "?")"
                        }.joined(separator: "\n")
                }
            }
        }
    }
}
