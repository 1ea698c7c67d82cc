import Consent
import FacegateCore
import Vault

extension ApplianceOperations {
    /// A card presented for a claim (`trigger = "claim"`): opens the window in which
    /// the next face in the zone is compared with the card's holder only. An unknown
    /// card is refused, and is an event of its own on the door's stream. The number is
    /// never repeated in an answer, an error or a log.
    func claim(card: String) throws -> JSONValue {
        let door = try requireDoor("door claim")
        guard door.trigger == .claim else {
            throw OperationError(
                .claimsOff,
                "claims are off: the policy's [recognition] trigger is \"\(door.trigger.rawValue)\". Set trigger = \"claim\" and restart for card-and-face entry, or use `facegate door admit --card` for a card-only entry"
            )
        }
        guard let holder = try registry.cards.holder(of: card), registry.activeConsent(of: holder) != nil else {
            door.refuseUnknownCard()
            throw OperationError(
                .unknownCard,
                "no member with face recognition holds this card, so there is no face to compare with; its holder can enter with the card alone (facegate door admit --card)"
            )
        }
        let claim = door.openClaim(for: holder)
        return [
            "claim": .string(claim.id), "subject": .string(holder.rawValue), "expires_at": .string(Timestamp.iso8601(claim.expiresAt)),
        ]
    }

    /// A card-only entry: the door opens (the relay) and the entry is counted; no face
    /// is processed. A member's card also records their visit, with their consent to
    /// analytics only.
    func admit(card: String) throws -> JSONValue {
        let door = try requireDoor("door admit")
        let holder = try registry.cards.holder(of: card)
        let event = door.admitCard(holder: holder)
        return ["admitted": true, "subject": .string(holder?.rawValue), "ts": .string(Timestamp.iso8601(event.time))]
    }

    private func requireDoor(_ command: String) throws -> DoorDesk {
        guard let door else {
            throw OperationError(
                .doorNotRunning,
                "'\(command)' acts on the running door, and none runs here: start it (facegate run, or systemctl start facegate) and try again"
            )
        }
        return door
    }
}
