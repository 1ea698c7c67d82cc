/// An alert that stopped waiting for a person: confirmed (deny or admit) or expired
/// without an answer. What every open door page needs to update its card, and no
/// more: not who decided, not why (`DoorAlerts.observe`).
public struct DoorAlertChange: Sendable, Equatable {
    public var alert: String
    /// `confirmed` or `expired`.
    public var status: DoorAlert.Status
    /// For a confirmed alert: `deny` or `admit`.
    public var decision: String?
    public var time: Double

    public init(alert: String, status: DoorAlert.Status, decision: String? = nil, time: Double) {
        self.alert = alert
        self.status = status
        self.decision = decision
        self.time = time
    }
}
