public import Consent
public import FacegateCore
public import Vault

/// One probe descriptor to one decision: the 1:N search (the two nearest subjects),
/// the probe wiped at once, then `MatchDecision` with the consent and deny-list in
/// force. The door's pipeline and `identify` decide through this one type, so a
/// photo and the camera can never be judged by different rules.
///
/// The threshold and margin are the registry's `recognitionRule` at the moment of
/// each decision: derived for the gallery's size as it is now (a member enrolled or
/// erased a second ago counts), or the policy's own under `rule = "fixed"`. A test may
/// pin them.
public struct Recognizer: Sendable {
    public let registry: ConsentRegistry
    /// Pinned threshold and margin; nil follows the registry's rule.
    let pinned: (threshold: Double, margin: Double)?

    /// A recognizer with a pinned threshold and margin, whatever the gallery's size.
    public init(registry: ConsentRegistry, threshold: Double, margin: Double) {
        self.registry = registry
        self.pinned = (threshold, margin)
    }

    /// Follows the registry's rule (and so the policy in force: `identify` follows a reload).
    public init(registry: ConsentRegistry) {
        self.registry = registry
        self.pinned = nil
    }

    /// The threshold and margin a decision made now would use.
    public var rule: (threshold: Double, margin: Double) {
        if let pinned { return pinned }
        let rule = registry.recognitionRule
        return (rule.threshold, rule.margin)
    }

    /// The 1:1 threshold of a claim: the claimed subject is one comparison, not N, so
    /// its rule is the one of a gallery of one member.
    public var claimThreshold: Double {
        if let pinned { return pinned.threshold }
        return registry.recognitionRule.claimThreshold
    }

    /// Applies erasures made by any other process, so that they take effect before
    /// the next decision. A failure is returned for the caller to log or throw.
    public func catchUpWithErasures() throws {
        try registry.catchUpWithErasures()
    }

    /// Decides whether `probe` is `claimed` (1:1, for a card's claim), and wipes it.
    /// Only the claimed subject's templates are read: the gallery is never searched.
    public func verify(_ probe: FaceDescriptor, claimed: SubjectID, afterWipe: (FaceDescriptor) -> Void = { _ in }) -> MatchDecision {
        guard !registry.membershipHold.isHeld else {
            probe.wipe()
            afterWipe(probe)
            return .unknown
        }
        let distance = registry.vault.gallery.verify(probe, against: claimed)
        probe.wipe()
        afterWipe(probe)
        return MatchDecision.verify(
            claimed: claimed, distance: distance, threshold: claimThreshold, hasConsent: registry.activeConsent(of: claimed) != nil,
            isDenyListed: registry.isDenyListed(claimed))
    }

    /// Decides who `probe` is, and wipes it: after this call the descriptor is zeros,
    /// whatever the outcome. `afterWipe` sees it wiped (tests prove nothing is left).
    /// A door of a fleet out of touch with its hub for too long decides nobody a member
    /// (`MembershipHold`): the probe is wiped unsearched.
    public func decide(_ probe: FaceDescriptor, afterWipe: (FaceDescriptor) -> Void = { _ in }) -> MatchDecision {
        guard !registry.membershipHold.isHeld else {
            probe.wipe()
            afterWipe(probe)
            return .unknown
        }
        let matches = registry.vault.gallery.search(probe, k: 2)
        probe.wipe()
        afterWipe(probe)
        let (threshold, margin) = rule
        return MatchDecision.decide(
            matches, threshold: threshold, margin: margin,
            hasConsent: { registry.activeConsent(of: $0) != nil },
            isDenyListed: { registry.isDenyListed($0) })
    }
}
