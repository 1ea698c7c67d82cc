import ArgumentParser
import Edge
import FacegateCore

extension Facegate {
    /// Lists enrolled subjects.
    struct Subjects: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List enrolled subjects: pseudonym, expiry, purposes.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions

        @Flag(help: "Also show display names (admins only; the listing is audited).")
        var names = false

        func run() async throws {
            try await runReportingErrors(json: options.json) {
                let result = try await AdminCommandRunner(global: global, state: state).run(.subjects(names: names))
                if options.json { return CommandOutput.json(result) }
                let subjects = result["subjects"]?.arrayValue ?? []
                CommandOutput.line("\(subjects.count) subject\(subjects.count == 1 ? "" : "s")")
                for subject in subjects {
                    let purposes = (subject["purposes"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
                    var line =
                        "\(subject["subject"]?.stringValue ?? "")  expires \(subject["expires_at"]?.stringValue ?? "")  purposes \(purposes)"
                    if let name = subject["name"]?.stringValue { line += "  \(name)" }
                    CommandOutput.line(line)
                }
            }
        }
    }

    /// Erases a subject (Art. 17).
    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a subject now: destroy their key, templates, profile and visits.",
            discussion: "Takes effect before the command returns. The consent records stay, marked erased, as proof of consent.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions

        @Argument(help: ArgumentHelp("The subject's pseudonym (from `facegate subjects`).", valueName: "SUBJECT"))
        var subject: String

        func run() async throws {
            try await runReportingErrors(json: options.json) {
                let result = try await AdminCommandRunner(global: global, state: state).run(
                    .erase(try AdminArguments.subject(parsing: subject)))
                if options.json {
                    CommandOutput.json(result)
                } else {
                    CommandOutput.line("erased subject \(subject)")
                    if let card = result["panel_credential"] { CommandOutput.line(PanelCredentialText.removal(card)) }
                }
            }
        }
    }

    /// Applies the retention policy now.
    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the retention sweep now: erase expired subjects, delete old access events.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions

        func run() async throws {
            try await runReportingErrors(json: options.json) {
                let result = try await AdminCommandRunner(global: global, state: state).run(.purge)
                if options.json { return CommandOutput.json(result) }
                CommandOutput.line(
                    "erased \(result["erased_subjects"]?.arrayValue?.count ?? 0) expired subject(s), deleted \(result["deleted_access_events"]?.intValue ?? 0) old access event(s)"
                )
            }
        }
    }

    /// Consent management.
    struct Consent: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Manage consent.", subcommands: [Withdraw.self])

        struct Withdraw: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Withdraw a subject's consent now.",
                discussion: "Withdrawing everything, or the purpose recognition needs, erases the subject before the command returns.")

            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var options: AdminOptions

            @Option(name: .customLong("purpose"), help: "Withdraw only this purpose (repeatable); default: all.")
            var purposes: [String] = []

            @Argument(help: ArgumentHelp("The subject's pseudonym.", valueName: "SUBJECT"))
            var subject: String

            func run() async throws {
                try await runReportingErrors(json: options.json) {
                    let result = try await AdminCommandRunner(global: global, state: state).run(
                        .withdraw(try AdminArguments.subject(parsing: subject), purposes: purposes.isEmpty ? nil : purposes))
                    if options.json { return CommandOutput.json(result) }
                    if result["erased"]?.boolValue == true {
                        CommandOutput.line("consent withdrawn; subject \(subject) erased")
                        if let card = result["panel_credential"] { CommandOutput.line(PanelCredentialText.removal(card)) }
                    } else {
                        let remaining = (result["remaining_purposes"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ")
                        CommandOutput.line("consent withdrawn for \(purposes.joined(separator: ", ")); remaining: \(remaining)")
                    }
                }
            }
        }
    }

    /// Statistics on decisions and regulars.
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Daily decision counts and the most frequent consenting visitors.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions

        @Option(help: "Days to cover.")
        var days: Int = 30

        func run() async throws {
            try await runReportingErrors(json: true) {
                CommandOutput.json(try await AdminCommandRunner(global: global, state: state).run(.stats(days: days, names: false)))
            }
        }
    }
}
