/// The associated data bound into each ciphertext, so that a ciphertext copied to
/// another row, another subject or another schema version fails to decrypt.
enum AssociatedData {
    static let kekCheckPlaintext = Array("facegate key-encryption key check".utf8)
    static let kekCheck = Array("facegate/kek-check/v1".utf8)

    static func wrappedKey(_ subject: SubjectID) -> [UInt8] {
        Array("facegate/subject-key/v1|\(subject.rawValue)".utf8)
    }

    static func template(_ subject: SubjectID, _ template: TemplateID, schemaVersion: Int) -> [UInt8] {
        Array("facegate/template/v\(schemaVersion)|\(subject.rawValue)|\(template.rawValue)".utf8)
    }

    static func personal(_ subject: SubjectID, purpose: String) -> [UInt8] {
        Array("facegate/personal/v1|\(purpose)|\(subject.rawValue)".utf8)
    }
}
