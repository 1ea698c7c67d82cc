public import FacegateCore
public import Vault

/// An incident staff recorded against an enrolled subject (the evidence deny-list
/// entries rest on). Its note is sealed with the subject's key.
public struct Incident: Sendable, Equatable {
    public var id: String
    public var subject: SubjectID
    public var category: String
    public var note: String?
    public var recordedBy: String
    public var recordedAt: Double

    public var json: JSONValue {
        [
            "incident": .string(id), "subject": .string(subject.rawValue), "category": .string(category), "note": .string(note),
            "recorded_by": .string(recordedBy), "recorded_at": .string(Timestamp.iso8601(recordedAt)),
        ]
    }
}
