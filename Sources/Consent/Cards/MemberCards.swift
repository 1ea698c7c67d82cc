public import FacegateCore
import GRDB
public import Vault

/// Members' cards (badge numbers, QR codes, PINs): how a person claims an identity at
/// the door (`trigger = "claim"`, 1:1) or gets in without their face at all. A card is
/// stored as a keyed BLAKE2b digest (`KeyRing.cardDigest`), never in the clear, bound
/// to one subject, and leaves with the subject: an erasure deletes it (see
/// `ConsentCompanion`). Setting and clearing one is audited, without the number.
public final class MemberCards: @unchecked Sendable {
    let vault: VaultStore
    let audit: AuditLog
    let clock: any WallClock

    init(vault: VaultStore, audit: AuditLog, clock: any WallClock) {
        self.vault = vault
        self.audit = audit
        self.clock = clock
    }

    /// A card can be one member's only; the number is not repeated (it is personal data).
    static var taken: ConsentError {
        ConsentError(.conflict, "this card is already another member's; clear it from them first (facegate card clear SUBJECT)")
    }

    /// The longest card number accepted, in bytes: badge numbers and QR payloads of
    /// membership cards are far shorter.
    public static let maximumBytes = 256

    /// The digest a card number is looked up by. A blank number, a control character
    /// or an over-long number is refused (the number is never repeated). The bytes are
    /// hashed as given, white space around them aside: readers send the same bytes
    /// for the same card.
    func digest(of card: String) throws -> [UInt8] {
        let trimmed = card.trimmingWhiteSpace
        guard !trimmed.isEmpty else {
            throw ConsentError(.invalidArgument, "the card number is empty; give the number the reader sends")
        }
        guard trimmed.utf8.count <= Self.maximumBytes,
            !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw ConsentError(
                .invalidArgument,
                "the card number must be at most \(Self.maximumBytes) bytes of printable text; check what the reader sends")
        }
        return vault.keys.cardDigest(card)
    }

    /// The subject holding `card`, if any.
    public func holder(of card: String) throws -> SubjectID? {
        let digest = try digest(of: card)
        return try vault.read { db in try CardStore.holder(of: digest, in: db) }
    }

    public func hasCard(_ subject: SubjectID) throws -> Bool {
        try vault.read { db in try CardStore.hasCard(subject, in: db) }
    }

    /// Gives an enrolled subject `card`, replacing the card they had.
    public func set(_ card: String, for subject: SubjectID, actor: OSUser) throws {
        let digest = try digest(of: card)
        try vault.write { db in
            guard try vault.exists(subject, in: db) else {
                throw ConsentError(.notFound, "no subject \(subject): only an enrolled member can have a card")
            }
            if let holder = try CardStore.holder(of: digest, in: db), holder != subject {
                throw MemberCards.taken
            }
            let replaced = try CardStore.hasCard(subject, in: db)
            try CardStore.set(digest, for: subject, at: clock.now(), in: db)
            try audit.append(actor: actor.name, action: "card.set", subject: subject, details: ["replaced": .bool(replaced)], in: db)
        }
    }

    /// Takes a subject's card away. Returns whether they had one.
    @discardableResult
    public func clear(_ subject: SubjectID, actor: OSUser) throws -> Bool {
        try vault.write { db in
            guard try CardStore.delete(of: subject, in: db) else { return false }
            try audit.append(actor: actor.name, action: "card.clear", subject: subject, in: db)
            return true
        }
    }
}
