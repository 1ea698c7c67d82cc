import FacegateCore
public import Vault

/// What the appliance concludes about one face.
public struct MatchDecision: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A consenting member: the door may open.
        case member
        /// Nobody enrolled (or not sure enough): no decision, nothing stored.
        case unknown
        /// A member with an active deny-list entry: a person must decide.
        case alert
    }

    public var kind: Kind
    public var subject: SubjectID?
    public var distance: Float?

    public init(kind: Kind, subject: SubjectID?, distance: Float?) {
        self.kind = kind
        self.subject = subject
        self.distance = distance
    }

    public static let unknown = MatchDecision(kind: .unknown, subject: nil, distance: nil)

    /// Decides from the two nearest subjects: a member when the best is closer than
    /// `threshold` and beats the second best by `margin` (so that look-alikes, or one
    /// person enrolled twice, give no decision rather than a wrong one), and when that
    /// subject's consent to recognition is in force. An active deny-list entry turns a
    /// member into an alert.
    public static func decide(
        _ matches: [Gallery.Match], threshold: Double, margin: Double,
        hasConsent: (SubjectID) -> Bool, isDenyListed: (SubjectID) -> Bool = { _ in false }
    ) -> MatchDecision {
        guard let best = matches.first, Double(best.distance) < threshold else { return .unknown }
        if matches.count > 1, Double(matches[1].distance - best.distance) < margin { return .unknown }
        guard hasConsent(best.subject) else { return .unknown }
        return MatchDecision(kind: isDenyListed(best.subject) ? .alert : .member, subject: best.subject, distance: best.distance)
    }
}
