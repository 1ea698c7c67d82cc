import ArgumentParser
import Consent
import Edge

/// How the account commands name a role and an account.
enum ConsoleArguments {
    static let roleHelp = ArgumentHelp(
        "The role: staff (the door, identify, incidents), admin (also members, cards, the deny-list) or dpo (exports, audit).",
        valueName: "ROLE")
    static let nameHelp = ArgumentHelp("The account's name: 1 to 64 of a-z, 0-9, '.', '_', '-'.", valueName: "NAME")

    /// `name`, once it is known to be a name an account can have: checked before the
    /// password is asked for.
    static func name(_ name: String) throws -> String {
        try ConsoleAccounts.checkName(name)
        return name
    }

    static func role(_ text: String) throws -> ConsoleRole {
        try AdminArguments.consoleRole(parsing: text)
    }
}
