/// Text a person typed (a name, a membership field, a note) as it may be shown to
/// someone else: never with the controls that change how the text around them reads.
///
/// Unicode's bidirectional controls (the right-to-left override U+202E and its kin)
/// make "Ana ‮nimda‬" display as "Ana admin": on a member page, in a terminal or in a
/// CSV opened in a spreadsheet, what staff read would not be what is stored. New text
/// with them, or with any other control character, is refused at enrolment
/// (`DisplayText.problem`); text stored before, or arriving from elsewhere, is shown
/// with each such character replaced by U+FFFD, so the tampering is visible.
public enum DisplayText {
    /// U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069.
    public static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// `text` with every bidirectional control and every other control character
    /// (C0 but tab, C1, DEL) replaced by U+FFFD.
    public static func neutralised(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { scalars.append(isUnsafe(scalar) ? "\u{FFFD}" : scalar) }
        return String(scalars)
    }

    /// Why `text` (the value of `what`) cannot be stored as shown text, or nil: longer
    /// than `maximumCharacters` Unicode scalars (not displayed characters: "Ob" and two
    /// million combining accents is 2 characters and 4 MB), or holding a control or
    /// bidirectional character.
    public static func problem(_ text: String, what: String, maximumCharacters: Int) -> String? {
        if text.unicodeScalars.count > maximumCharacters { return "\(what) is longer than \(maximumCharacters) characters" }
        if text.unicodeScalars.contains(where: isUnsafe) {
            return "\(what) holds a control or text-direction character (such as U+202E); type it again as plain text"
        }
        return nil
    }

    private static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        isBidiControl(scalar) || (scalar.value < 0x20 && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
    }
}
