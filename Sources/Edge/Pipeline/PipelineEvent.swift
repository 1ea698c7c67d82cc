public import FacegateCore
import Vault

/// One decision at the door, as printed on standard output (one JSON line each):
/// `{"ts":"…","track":N,"decision":"member|unknown|alert","subject":"…"|null,"distance":d|null,"frames":k,"latency_ms":…}`.
public struct PipelineEvent: Sendable {
    public var time: Double
    public var track: Int
    public var decision: MatchDecision
    /// Frames that voted.
    public var frames: Int
    /// From the arrival of the frame that completed the vote to this event.
    public var latencyMilliseconds: Double
    /// For an `alert`: the alert a person confirms with `facegate door confirm`.
    public var alert: String?

    public var json: JSONValue {
        var object: JSONObject = [
            "ts": .string(Timestamp.iso8601(time)),
            "track": .int(track),
            "decision": .string(decision.kind.rawValue),
            "subject": .string(decision.subject?.rawValue),
            "distance": decision.distance.map { .double((Double($0) * 10_000).rounded() / 10_000) } ?? .null,
            "frames": .int(frames),
            "latency_ms": .double((latencyMilliseconds * 100).rounded() / 100),
        ]
        if let alert { object["alert"] = .string(alert) }
        return .object(object)
    }
}
