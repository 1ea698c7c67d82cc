/// A subject's pseudonymous id: 128 random bits as 32 lowercase hex digits. It says
/// nothing about the person; only the vault links it to their (encrypted) profile.
public struct SubjectID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    /// A fresh random id.
    public static func random() -> SubjectID { SubjectID(unchecked: RandomID.hex128()) }

    /// Parses an id as printed; nil if it is not 32 lowercase hex digits.
    public init?(_ text: String) {
        guard RandomID.isHex128(text) else { return nil }
        rawValue = text
    }

    init(unchecked text: String) { rawValue = text }

    public var description: String { rawValue }
    public static func < (a: SubjectID, b: SubjectID) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = SubjectID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a subject id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A template's id: 128 random bits as hex, bound into the template's ciphertext.
public struct TemplateID: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    public static func random() -> TemplateID { TemplateID(rawValue: RandomID.hex128()) }

    init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }
}

enum RandomID {
    static func hex128() -> String {
        let bytes = Sodium.randomBytes(16)
        return bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
    }

    static func isHex128(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
