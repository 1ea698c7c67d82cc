/// A subject's personal fields. Stored only encrypted with the subject's own data
/// key, so erasing the key makes them unreadable everywhere, backups included.
public struct SubjectProfile: Sendable, Equatable, Codable {
    /// The name staff see at the door and in admin listings.
    public var displayName: String
    /// Other personal fields the venue chose to record (membership number, ...).
    public var fields: [String: String]

    public init(displayName: String, fields: [String: String] = [:]) {
        self.displayName = displayName
        self.fields = fields
    }
}

/// What the vault holds about a subject, without decrypting anything.
public struct SubjectSummary: Sendable, Equatable {
    public var id: SubjectID
    public var createdAt: Double
    public var expiresAt: Double
    public var templateCount: Int
}

/// A subject just enrolled.
public struct EnrolledSubject: Sendable, Equatable {
    public var id: SubjectID
    public var templates: [TemplateID]
    public var createdAt: Double
    public var expiresAt: Double
}
