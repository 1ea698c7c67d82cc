import FacegateCore

/// A list of strings kept in one TEXT column as a JSON array (a consent record's
/// purposes, a deny-list entry's evidence): written and read back only here, so that
/// every such column is read the same way.
enum StringArrayColumn {
    static func encode(_ values: [String]) -> String {
        JSONValue.array(values.map(JSONValue.string)).serialized
    }

    /// The strings of the array, in order. A column that is not a JSON array (a
    /// damaged row) reads as no strings, and elements that are not strings are left
    /// out.
    static func decode(_ text: String) -> [String] {
        if let strings = withoutEscapes(text) { return strings }
        return (try? JSONParser.parse(text))?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// An array of strings with no escape in them (purpose names, incident ids: all
    /// this module writes) is split on its quotes without building a `JSONValue`: the
    /// door's cache reads 100,000 of these at start. Nil for anything else, which the
    /// JSON parser then reads.
    private static func withoutEscapes(_ text: String) -> [String]? {
        let bytes = Array(text.utf8)
        guard !bytes.contains(UInt8(ascii: "\\")) else { return nil }
        // Strings alternate with the punctuation between them: `[`, `,`…, `]`.
        let parts = bytes.split(separator: UInt8(ascii: "\""), omittingEmptySubsequences: false)
        guard parts.count % 2 == 1 else { return nil }
        var strings: [String] = []
        for (offset, part) in parts.enumerated() {
            if offset % 2 == 1 {
                strings.append(String(decoding: part, as: UTF8.self))
                continue
            }
            let punctuation = part.filter { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
            let expected: [UInt8] =
                parts.count == 1
                ? Array("[]".utf8)
                : offset == 0
                    ? [UInt8(ascii: "[")]
                    : offset == parts.count - 1
                        ? [UInt8(ascii: "]")]
                        : [UInt8(ascii: ",")]
            guard punctuation == expected else { return nil }
        }
        return strings
    }
}
