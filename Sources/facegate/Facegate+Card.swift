import ArgumentParser
import Edge
import FacegateCore

extension Facegate.Door {
    /// A card presented at the door under `trigger = "claim"`: the reader integration's call.
    struct Claim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Claim an identity with a card: the next face in the door zone is compared with its holder only (1:1).",
            discussion: """
                Needs the running door with the policy's [recognition] trigger = "claim". The claim waits \
                claim_seconds for a face; its outcome (member, alert, claim_mismatch or claim_timeout) is an \
                event on the door's stream, and a member opens the door. A failed comparison is never \
                followed by a search of the other members. An unknown card is refused (exit 67).
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions
        @Option(help: CardNumber.help) var card: String

        func run() async throws {
            try await runAdmin(.doorClaim(card: try CardNumber.read(card)), global: global, state: state, json: options.json) { result in
                "claim \(result["claim"]?.stringValue ?? "?") for \(result["subject"]?.stringValue ?? "?") open until \(result["expires_at"]?.stringValue ?? "?")"
            }
        }
    }

    /// A card-only entry: the alternative for people who chose no face recognition.
    struct Admit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a card-only entry and open the door: no face is processed at all.",
            discussion: """
                For people who chose no face recognition (and anyone who prefers the card today): the \
                relay opens, the entry is counted, and a member's visit is kept only with their consent \
                to analytics. Needs the running door.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions
        @Option(help: CardNumber.help) var card: String

        func run() async throws {
            try await runAdmin(.doorAdmit(card: try CardNumber.read(card)), global: global, state: state, json: options.json) { result in
                result["subject"]?.stringValue.map { "admitted member \($0) by card" } ?? "admitted by card"
            }
        }
    }
}

extension Facegate {
    /// Members' cards, for card-and-face entry.
    struct Card: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Link or unlink a member's card (stored as a keyed digest, never in the clear); print their panel credential.",
            subcommands: [Set.self, Clear.self, Panel.self])

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Link a card to an enrolled member, replacing theirs.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var options: AdminOptions
            @Option(help: CardNumber.help) var card: String
            @Argument(help: ArgumentHelp("The subject's pseudonym.", valueName: "SUBJECT")) var subject: String

            func run() async throws {
                try await runAdmin(
                    .cardSet(try AdminArguments.subject(parsing: subject), card: try CardNumber.read(card)), global: global, state: state,
                    json: options.json
                ) { _ in "linked a card to \(subject)" }
            }
        }

        struct Clear: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Unlink a member's card.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var state: StateOptions
            @OptionGroup var options: AdminOptions
            @Argument(help: ArgumentHelp("The subject's pseudonym.", valueName: "SUBJECT")) var subject: String

            func run() async throws {
                try await runAdmin(
                    .cardClear(try AdminArguments.subject(parsing: subject)), global: global, state: state, json: options.json
                ) {
                    result in result["cleared"]?.boolValue == true ? "unlinked the card of \(subject)" : "\(subject) had no card"
                }
            }
        }
    }
}

extension Facegate.Card {
    /// The panel credential of a member, for the venue's access panel.
    struct Panel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a member's panel credential: the card number the door sends the venue's access panel for them (OSDP).",
            discussion: """
                A random number of the policy's [osdp] format and facility, made for this member once \
                (now, if they have none) and never derived from their face or their own card. Enter it \
                in the panel once, as you would a card. An erasure makes it unreadable and stops it \
                being sent.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var options: AdminOptions
        @Argument(help: ArgumentHelp("The subject's pseudonym.", valueName: "SUBJECT")) var subject: String

        func run() async throws {
            try await runAdmin(
                .cardPanel(try AdminArguments.subject(parsing: subject)), global: global, state: state, json: options.json
            ) { result in PanelCredentialText.describe(result) }
        }
    }
}
