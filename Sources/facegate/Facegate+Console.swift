import ArgumentParser
import Consent
import Edge
import FacegateCore

extension Facegate {
    /// The web console's accounts and API tokens, managed on the device by root or the
    /// admin group (the console cannot manage its own accounts).
    struct ConsoleCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "console",
            abstract: "Manage the web console's accounts and API tokens (root or the admin group).",
            subcommands: [User.self, Token.self])

        struct User: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add, remove and list console accounts (passwords are stored as Argon2id hashes).",
                subcommands: [Add.self, Remove.self, List.self, Passwd.self, Role.self])
        }

        struct Token: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Issue and revoke API tokens of console accounts (stored only as digests).", subcommands: [Add.self, Revoke.self])
        }
    }
}

extension Facegate.ConsoleCommand.User {
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a console account for one named person.",
            discussion: """
                An account is one person's: --person gives their full name, and the account is recorded with the \
                OS user who made it, so that the DPO can see whether two approvals came from two people. The \
                password is read from standard input, never from the command line: on a terminal it is asked for \
                twice without echo; otherwise the first line of input is the password. It needs at least 12 \
                characters.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions
        @Option(help: ConsoleArguments.roleHelp) var role: String
        @Option(help: ArgumentHelp("The full name of the person the account is for.", valueName: "NAME")) var person: String
        @Argument(help: ConsoleArguments.nameHelp) var name: String

        func run() async throws {
            try await runAdmin(
                .consoleUserAdd(
                    name: try ConsoleArguments.name(name), role: try ConsoleArguments.role(role), person: person,
                    password: try PasswordInput.readNew()),
                global: global, state: state, json: options.json
            ) { _ in "added console account \(name) (\(role)) for \(person)" }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a console account and revoke its API tokens.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions
        @Argument(help: ConsoleArguments.nameHelp) var name: String

        func run() async throws {
            try await runAdmin(.consoleUserRemove(name: name), global: global, state: state, json: options.json) { _ in
                "removed console account \(name); its tokens are revoked"
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List console accounts: name, role, created, live API tokens.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions

        func run() async throws {
            try await runReportingErrors(json: options.json) {
                let result = try await AdminCommandRunner(global: global, state: state).run(.consoleUserList)
                if options.json { return CommandOutput.json(result) }
                let accounts = result["accounts"]?.arrayValue ?? []
                let rows = accounts.map { account in
                    [
                        account["name"]?.stringValue ?? "", account["role"]?.stringValue ?? "", account["person"]?.stringValue ?? "",
                        account["created_by"]?.stringValue ?? "", account["created_at"]?.stringValue ?? "",
                        (account["token_ids"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ","),
                    ]
                }
                let header = ["NAME", "ROLE", "PERSON", "CREATED BY", "CREATED", "TOKENS"]
                let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
                for row in [header] + rows {
                    let cells = row.enumerated().map { column, cell in
                        column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
                    }
                    CommandOutput.line(cells.joined(separator: "  "))
                }
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a console account's password (read as for add).",
            discussion: "Its console sessions end and its API tokens are revoked at once: issue new tokens if they are still needed.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions
        @Argument(help: ConsoleArguments.nameHelp) var name: String

        func run() async throws {
            try await runAdmin(
                .consoleUserPassword(name: name, password: try PasswordInput.readNew()), global: global, state: state, json: options.json
            ) { _ in "changed the password of console account \(name); its sessions ended and its tokens are revoked" }
        }
    }

    struct Role: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a console account another role.",
            discussion: "Its console sessions end and its API tokens are revoked at once: nobody keeps a role they no longer have.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions
        @Argument(help: ConsoleArguments.nameHelp) var name: String
        @Argument(help: ConsoleArguments.roleHelp) var role: String

        func run() async throws {
            try await runAdmin(
                .consoleUserRole(name: name, role: try ConsoleArguments.role(role)), global: global, state: state, json: options.json
            ) { _ in "console account \(name) is now \(role); its sessions ended and its tokens are revoked" }
        }
    }
}

extension Facegate.ConsoleCommand.Token {
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue an API token for a console account; it is printed once.",
            discussion: """
                The token (fgt_ and 64 hex digits) is printed on standard output once and stored only as a \
                digest: it cannot be shown again. It carries the account's role unless --role names another.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions
        @Option(help: ConsoleArguments.roleHelp) var role: String?
        @Argument(help: ConsoleArguments.nameHelp) var name: String

        func run() async throws {
            try await runReportingErrors(json: options.json) {
                let command = AdminCommand.consoleTokenAdd(name: name, role: try role.map(ConsoleArguments.role))
                let result = try await AdminCommandRunner(global: global, state: state).run(command)
                if options.json { CommandOutput.json(result) } else { CommandOutput.line(result["token"]?.stringValue ?? "") }
                StandardStreams.writeError(
                    "facegate: token \(result["token_id"]?.stringValue ?? "?") for \(name) (\(result["role"]?.stringValue ?? "?")): keep it now, it cannot be shown again\n"
                )
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API token by its id (from console user list).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions
        @Argument(help: ArgumentHelp("The token's id (not the token).", valueName: "ID")) var id: String

        func run() async throws {
            try await runAdmin(.consoleTokenRevoke(tokenID: id), global: global, state: state, json: options.json) { _ in
                "revoked token \(id)"
            }
        }
    }
}
