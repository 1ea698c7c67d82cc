import FacegateCore
public import Vault

/// What the door concludes: about one face (member, unknown, alert, or not the
/// card's holder), or about a claim or a card with no face at all.
public struct MatchDecision: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A consenting member: the door may open.
        case member
        /// Nobody enrolled (or not sure enough): no decision, nothing stored.
        case unknown
        /// A member with an active deny-list entry: a person must decide.
        case alert
        /// The face at the door is not the holder of the card presented (1:1): no
        /// distance is given, and the gallery is not searched for who it is.
        case claimMismatch = "claim_mismatch"
        /// A card was presented and no face stepped into the zone in time.
        case claimTimeout = "claim_timeout"
        /// A card no member holds was presented for a claim: refused.
        case claimUnknownCard = "claim_unknown_card"
        /// A card-only entry: no face processed at all (`door admit`).
        case card

        /// The kinds that open the door (the relay runs for them).
        public var opensDoor: Bool { self == .member || self == .card }
    }

    public var kind: Kind
    public var subject: SubjectID?
    public var distance: Float?
    /// The second-nearest subject's distance, when a 1:N search found one: how clear
    /// the decision was (the recognition-quality statistics count it, anonymously).
    public var runnerUp: Float?

    public init(kind: Kind, subject: SubjectID?, distance: Float?, runnerUp: Float? = nil) {
        self.kind = kind
        self.subject = subject
        self.distance = distance
        self.runnerUp = runnerUp
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
        return MatchDecision(
            kind: isDenyListed(best.subject) ? .alert : .member, subject: best.subject, distance: best.distance,
            runnerUp: matches.count > 1 ? matches[1].distance : nil)
    }

    /// Decides whether a face is the claimed subject's (1:1): `distance` is to that
    /// subject's templates only (nil when none is held). Below `threshold` with consent
    /// in force it is the member (or an alert); anything else is `unknown` for the
    /// vote, which the door reports as a mismatch. No margin: there is no second
    /// subject to beat.
    public static func verify(
        claimed subject: SubjectID, distance: Float?, threshold: Double, hasConsent: Bool, isDenyListed: Bool
    ) -> MatchDecision {
        guard let distance, Double(distance) < threshold, hasConsent else { return .unknown }
        return MatchDecision(kind: isDenyListed ? .alert : .member, subject: subject, distance: distance)
    }
}
