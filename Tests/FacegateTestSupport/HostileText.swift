public import FacegateCore

/// Text that SQL, its quoting and its escaping care about: injection payloads, quotes,
/// NUL, parameter markers, right-to-left marks, a byte-order mark, 10 kB strings, and
/// random strings of such characters. The SQL fuzz feeds it to the vault in process;
/// the admin socket's fuzz feeds it to a running daemon and watches its memory.
public enum HostileText {
    public static let payloads: [String] = [
        "' OR '1'='1", "'; DROP TABLE subject; --", "\"); DELETE FROM consent_record; --", "Robert'); DROP TABLE audit_entry;--",
        "1; ATTACH DATABASE '/tmp/x.sqlite' AS x; --", "SELECT * FROM vault_meta", "%", "_", "\\", "\0", "a\0b", "?", "?1", ":name",
        "@p", "$1", "/*", "*/", "--", "''", "\"\"", "`", "😀 Zoë Ødegård", "\u{202E}evil", "\u{FEFF}", "x\ny\r\n", "\t", "",
        " ", String(repeating: "x", count: 10_000), String(repeating: "'", count: 1_000),
    ]

    /// A random string of up to 39 such characters.
    public static func random(_ generator: inout SplitMix64) -> String {
        let alphabet = Array("'\";-/*%_\\?:@$()[]` \0\nabcXYZ019éØ😀\u{202E}")
        let length = Int(generator.next() % 40)
        return String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}
