import ArgumentParser
import FacegateCore

/// A card number given on the command line, or `-` for the first line of standard
/// input: a reader integration should pipe it, since another user of the box can read
/// a process's arguments (`ps`) but not its input.
enum CardNumber {
    static let help = ArgumentHelp(
        "The card's number as the reader sends it, or - to read it from standard input (unlike arguments, not visible to other users).",
        valueName: "NUMBER")

    static func read(_ value: String) throws -> String {
        guard value == "-" else { return value }
        guard let line = Swift.readLine(strippingNewline: true), !line.trimmingWhiteSpace.isEmpty else {
            throw CommandError(.invalidArgument, "--card -: standard input gave no card number")
        }
        return String(line.trimmingWhiteSpace)
    }
}
