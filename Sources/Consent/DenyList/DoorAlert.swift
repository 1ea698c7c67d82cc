public import FacegateCore
public import Vault

/// An alert raised at the door for a subject with an entry in force: a person
/// confirms (deny or admit) with a reason; without an answer before it expires,
/// nothing happens.
public struct DoorAlert: Sendable, Equatable {
    public enum Status: String, Sendable { case open, confirmed, expired }

    public var id: String
    public var subject: SubjectID
    public var entry: String
    public var raisedAt: Double
    public var expiresAt: Double
    public var status: Status
    public var decision: String?
    public var reason: String?
    public var decidedBy: String?
    public var decidedAt: Double?

    public var json: JSONValue {
        [
            "alert": .string(id), "subject": .string(subject.rawValue), "entry": .string(entry), "status": .string(status.rawValue),
            "raised_at": .string(Timestamp.iso8601(raisedAt)), "expires_at": .string(Timestamp.iso8601(expiresAt)),
            "decision": .string(decision), "reason": .string(reason), "decided_by": .string(decidedBy),
            "decided_at": .string(decidedAt.map(Timestamp.iso8601)),
        ]
    }
}
