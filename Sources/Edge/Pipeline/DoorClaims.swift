import FacegateCore
import Synchronization
public import Vault

/// The claimed identity at the door (`trigger = "claim"`): a card presented through
/// `door claim` opens a window of `claim_seconds`; the first face to stand in the
/// zone during it (the largest, when several do at once) is bound to the claim and compared with the claimed subject's
/// templates only. One claim at a time: a new card ends the one before (as a
/// timeout), as a reader does when the next person badges.
///
/// Thread-safe: the admin socket opens claims while the pipeline binds and closes
/// them.
public final class DoorClaims: Sendable {
    public struct Claim: Sendable, Equatable {
        public let id: String
        public let subject: SubjectID
        public let openedAt: Double
        public let expiresAt: Double
        /// The face's track once one stepped into the zone.
        public var track: Int?
    }

    public let seconds: Double
    private let open = Mutex<Claim?>(nil)

    public init(seconds: Double) {
        self.seconds = seconds
    }

    /// Opens a claim for `subject` at `now`; returns it, and the claim it ended.
    public func open(for subject: SubjectID, at now: Double) -> (claim: Claim, ended: Claim?) {
        let claim = Claim(id: RandomToken.hex(8), subject: subject, openedAt: now, expiresAt: now + seconds)
        let ended = open.withLock { current in
            defer { current = claim }
            return current
        }
        return (claim, ended)
    }

    /// The open claim `track` may answer: the claim bound to it, or an unbound one,
    /// which is bound to it now (`bound` is then true). Nil when no claim is open, or
    /// the open one belongs to another face.
    public func claim(forTrack track: Int, at now: Double) -> (claim: Claim, bound: Bool)? {
        open.withLock { current -> (Claim, Bool)? in
            guard var claim = current, now < claim.expiresAt else { return nil }
            if let owner = claim.track { return owner == track ? (claim, false) : nil }
            claim.track = track
            current = claim
            return (claim, true)
        }
    }

    /// Ends the claim `id` when it is still open (its face was decided); nil when it
    /// was already ended (timed out, or replaced by a new card).
    public func close(_ id: String) -> Claim? {
        open.withLock { current in
            guard let claim = current, claim.id == id else { return nil }
            current = nil
            return claim
        }
    }

    /// Whether the claim `id` is still open (a face queued for it may still vote).
    public func isOpen(_ id: String) -> Bool { open.withLock { $0?.id == id } }

    /// Ends and returns the open claim when its window has passed at `now`.
    public func expire(at now: Double) -> Claim? {
        open.withLock { current in
            guard let claim = current, now >= claim.expiresAt else { return nil }
            current = nil
            return claim
        }
    }

    /// The claim open now, if any (status).
    public var current: Claim? { open.withLock { $0 } }
}
