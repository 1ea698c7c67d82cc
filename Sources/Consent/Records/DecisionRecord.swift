public import Vault

/// What a settled door decision leaves in the records, written in one transaction
/// (`VisitLog.record`): its kind for the day's anonymous counter, the distances for the
/// day's recognition-quality bins (a member or an alert), and the member whose visit it
/// may be (a decision that opens the door; stored only with analytics consent).
public struct DecisionRecord: Sendable {
    /// The best distance, the runner-up's (a 1:N search that found one), and the rule
    /// they were judged by.
    public struct Quality: Sendable {
        public var distance: Double
        public var runnerUp: Double?
        public var threshold: Double
        public var margin: Double

        public init(distance: Double, runnerUp: Double?, threshold: Double, margin: Double) {
            self.distance = distance
            self.runnerUp = runnerUp
            self.threshold = threshold
            self.margin = margin
        }
    }

    public var kind: String
    public var time: Double
    public var quality: Quality?
    public var visitOf: SubjectID?

    public init(kind: String, time: Double, quality: Quality? = nil, visitOf: SubjectID? = nil) {
        self.kind = kind
        self.time = time
        self.quality = quality
        self.visitOf = visitOf
    }
}
