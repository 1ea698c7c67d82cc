public import FacegateCore
import Vault

/// One decision at the door, as printed on standard output (one JSON line each):
/// `{"ts":"…","track":N,"decision":"member|unknown|alert","subject":"…"|null,"distance":d|null,"frames":k,"latency_ms":…}`;
/// under the claim trigger also `"claim":"…"`, with the decisions `claim_mismatch`,
/// `claim_timeout` and `claim_unknown_card`; a card-only entry is `card`. Events
/// about no face (a timeout, a card) have `"track":null` and `"frames":0`.
public struct PipelineEvent: Sendable {
    public var time: Double
    /// The face's track; nil for an event about no face.
    public var track: Int?
    public var decision: MatchDecision
    /// Frames that voted.
    public var frames: Int
    /// From the arrival of the frame that completed the vote to this event.
    public var latencyMilliseconds: Double
    /// For an `alert`: the alert a person confirms with `facegate door confirm`.
    public var alert: String?
    /// For an `alert`: when it expires unconfirmed (on the door's event stream, not on
    /// standard output).
    public var alertExpiresAt: Double?
    /// The claim (a card presented at the door) this event answers.
    public var claim: String?

    public init(
        time: Double, track: Int?, decision: MatchDecision, frames: Int, latencyMilliseconds: Double, alert: String? = nil,
        claim: String? = nil
    ) {
        self.time = time
        self.track = track
        self.decision = decision
        self.frames = frames
        self.latencyMilliseconds = latencyMilliseconds
        self.alert = alert
        self.claim = claim
    }

    /// An event about no face: a claim that timed out or named an unknown card, a card-only entry.
    static func withoutFace(_ kind: MatchDecision.Kind, subject: SubjectID?, time: Double, claim: String? = nil) -> PipelineEvent {
        PipelineEvent(
            time: time, track: nil, decision: MatchDecision(kind: kind, subject: subject, distance: nil), frames: 0,
            latencyMilliseconds: 0, claim: claim)
    }

    public var json: JSONValue { json(showingSubject: true) }

    /// The event as printed; with `showingSubject` false, `"subject":null` (what standard
    /// output, and so the system journal, carries for a member who did not consent to a
    /// record of their visits: `ConsentRegistry.keepsVisits`).
    public func json(showingSubject: Bool) -> JSONValue {
        var object: JSONObject = [
            "ts": .string(Timestamp.iso8601(time)),
            "track": track.map(JSONValue.int) ?? .null,
            "decision": .string(decision.kind.rawValue),
            "subject": .string(showingSubject ? decision.subject?.rawValue : nil),
            "distance": decision.distance.map { .double((Double($0) * 10_000).rounded() / 10_000) } ?? .null,
            "frames": .int(frames),
            "latency_ms": .double((latencyMilliseconds * 100).rounded() / 100),
        ]
        if let alert { object["alert"] = .string(alert) }
        if let claim { object["claim"] = .string(claim) }
        return .object(object)
    }
}
