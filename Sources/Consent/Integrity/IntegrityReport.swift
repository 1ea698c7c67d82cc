public import FacegateCore

/// What `facegate audit check` found: every integrity problem (the database file,
/// the audit chain in the database and in its file, every ciphertext), and the
/// pseudonyms of the subjects affected, for the DPO's breach notification.
public struct IntegrityReport: Sendable, Equatable {
    public struct Problem: Sendable, Equatable {
        /// `database`, `audit_chain`, `audit_file`, `ciphertext`.
        public var check: String
        public var detail: String
        public var subjects: [String]
    }

    public var problems: [Problem] = []
    /// How much was checked.
    public var auditEntries = 0
    public var subjects = 0
    public var sealedFields = 0

    public var isSound: Bool { problems.isEmpty }

    public var affectedSubjects: [String] { Array(Set(problems.flatMap(\.subjects))).sorted() }

    public var json: JSONValue {
        [
            "sound": .bool(isSound),
            "checked": ["audit_entries": .int(auditEntries), "subjects": .int(subjects), "sealed_fields": .int(sealedFields)],
            "problems": .array(
                problems.map {
                    ["check": .string($0.check), "detail": .string($0.detail), "subjects": .array($0.subjects.map(JSONValue.string))]
                }),
            "affected_subjects": .array(affectedSubjects.map(JSONValue.string)),
        ]
    }
}
