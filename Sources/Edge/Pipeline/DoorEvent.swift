public import Consent
public import FacegateCore
public import Vault

/// What an open door page is told: a decision at the door (as printed on standard
/// output), or an alert that stopped waiting (confirmed or expired). Never an image,
/// and a name only when the console adds one for a role that may see it.
public enum DoorEvent: Sendable {
    case decision(PipelineEvent)
    case alertChanged(DoorAlertChange)

    /// The server-sent event's name: `decision`, `alert_confirmed` or `alert_expired`.
    public var name: String {
        switch self {
        case .decision: "decision"
        case .alertChanged(let change): "alert_\(change.status.rawValue)"
        }
    }

    /// The member the event is about, whose name a page may show.
    public var subject: SubjectID? {
        switch self {
        case .decision(let event): event.decision.subject
        case .alertChanged: nil
        }
    }

    /// The event as the stream sends it; `name` is the member's display name, for
    /// roles that may see it.
    public func json(name: String?) -> JSONValue {
        switch self {
        case .decision(let event):
            var object: JSONObject = [
                "ts": .string(Timestamp.iso8601(event.time)),
                "decision": .string(event.decision.kind.rawValue),
                "track": event.track.map(JSONValue.int) ?? .null,
                "frames": .int(event.frames),
                "latency_ms": .double((event.latencyMilliseconds * 100).rounded() / 100),
                "subject": .string(event.decision.subject?.rawValue),
            ]
            if let name { object["name"] = .string(name) }
            if let alert = event.alert { object["alert"] = .string(alert) }
            if let expiry = event.alertExpiresAt { object["alert_expires_at"] = .string(Timestamp.iso8601(expiry)) }
            return .object(object)
        case .alertChanged(let change):
            var object: JSONObject = [
                "ts": .string(Timestamp.iso8601(change.time)), "alert": .string(change.alert), "status": .string(change.status.rawValue),
            ]
            if let decision = change.decision { object["decision"] = .string(decision) }
            return .object(object)
        }
    }
}
