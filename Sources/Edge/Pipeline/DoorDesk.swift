public import Consent
import FacegateCore
public import Vault

/// What the admin operations reach of the running door: a card's claim opened (the
/// pipeline answers it with the next face in the zone), a claim refused for an
/// unknown card, a card-only entry. Every one of these is an event on the door's
/// stream, a counter and, for a card entry, the relay: the same record-keeping as a
/// face's decision (`DecisionRecorder`).
public final class DoorDesk: Sendable {
    public let trigger: DoorTrigger
    public let claims: DoorClaims
    let recorder: DecisionRecorder
    let counters: PipelineCounters
    let clock: any WallClock
    /// Tells the tracker a card was presented (`FaceTracker.cardPresented`).
    let cardPresented: @Sendable () -> Void

    init(
        trigger: DoorTrigger, claims: DoorClaims, recorder: DecisionRecorder, counters: PipelineCounters, clock: any WallClock,
        cardPresented: @escaping @Sendable () -> Void = {}
    ) {
        self.trigger = trigger
        self.claims = claims
        self.recorder = recorder
        self.counters = counters
        self.clock = clock
        self.cardPresented = cardPresented
    }

    /// Opens a claim for `subject`; a claim still open ends as a timeout.
    public func openClaim(for subject: SubjectID) -> DoorClaims.Claim {
        let now = clock.now()
        let (claim, ended) = claims.open(for: subject, at: now)
        if let ended { recorder.record(.withoutFace(.claimTimeout, subject: ended.subject, time: now, claim: ended.id)) }
        counters.claimOpened()
        return claim
    }

    /// Ends the open claim if its window has passed (the pipeline asks at every frame),
    /// or whatever its window when `force` (the door stops).
    func expireClaim(force: Bool = false) {
        let now = clock.now()
        if let expired = claims.expire(at: force ? .infinity : now) {
            recorder.record(.withoutFace(.claimTimeout, subject: expired.subject, time: now, claim: expired.id))
        }
    }

    /// Records a claim refused because no member holds the card.
    public func refuseUnknownCard() {
        counters.claimOpened()
        recorder.record(.withoutFace(.claimUnknownCard, subject: nil, time: clock.now()))
    }

    /// Records a card-only entry, and opens the door: no face is processed. Every face at
    /// the door when the card is presented is the card's entry, and is neither embedded
    /// nor decided from then on (a face that had already stood for the dwell before the
    /// card came was compared once; it is not decided). `subject` is the card's holder
    /// when a member holds it (their visit is kept only with consent to analytics), nil
    /// for anyone else's card.
    public func admitCard(holder subject: SubjectID?) -> PipelineEvent {
        cardPresented()
        let event = PipelineEvent.withoutFace(.card, subject: subject, time: clock.now())
        recorder.record(event)
        return event
    }
}
