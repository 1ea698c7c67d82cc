import Consent
import FacegateCore
import Logging
import Synchronization
import Vault

/// Signing what this door gives the hub and checking what it reads (`SignedChange`).
///
/// A row is applied only when (1) it has a proof that opens with the fleet key for
/// exactly this fleet, origin door, number, kind, pseudonym, detail and time, (2) the
/// signature inside verifies with the origin door's key, which the hub holds sealed
/// with the fleet key and bound to that door, and (3) its number is above every number
/// of that door's rows applied here before. Anything else is refused: not applied, a
/// `breach.detected` audit entry, counted in the report and `/metrics`, and listed on
/// the hub (`fleet_rejection`) for `fleet status`. A writer to the hub without the fleet
/// key cannot make (1); a door with the fleet key cannot make another door's (2); a
/// genuine row given again, or moved to another place in the sequence, fails (3).
extension FleetSync {
    enum Verdict: Equatable {
        case apply
        /// Not applied, no alarm: a row from before signing, or one met again while the
        /// door re-reads a restored hub.
        case skip
        case refuse(code: String, problem: String)
        /// Not applied and not passed: a row sealed with the fleet key whose door's key
        /// the hub no longer holds. Passing it would lose a genuine change for good if
        /// the key was deleted; the door stops there until the key is back (and fails
        /// closed after `max_offline_minutes`).
        case wait(code: String, problem: String)
    }

    /// On connecting: where signed rows begin, this door's key on the hub (sealed with the
    /// fleet key, bound to the door), and a numbering that goes on after every number
    /// this door gave (its saved count, what the hub holds of it, what it read back).
    func prepareSigning(_ hub: HubConnection, session: SyncSession) async throws {
        let (door, name) = state.withLock { ($0.membership.doorID, $0.membership.doorName) }
        session.signedFrom = try await hub.signedFrom()
        // A hub restored from a backup older than this door's joining learns of it first:
        // its role's rights follow from the door's row.
        try await hub.ensureDoor(doorID: door, name: name, at: clock.now())
        try await hub.putAuditKey(key.seal(registry.auditPublicKey, auditOf: door, seq: nil), door: door)
        session.auditKeyGiven = true
        session.doorKeys[door] = registry.auditPublicKey
        let onHub = try await hub.lastDoorSeq(of: door)
        let behind = state.withLock { state in
            let highest = max(state.membership.signedThrough, onHub, state.membership.applied[door] ?? 0)
            defer { state.membership.signedThrough = highest }
            return state.membership.signedThrough < highest
        }
        if behind { try persistMembership() }
    }

    /// Signs rows for the hub with numbers reserved (and saved) first.
    func signRows(
        _ kind: SignedChange.Kind, _ items: [(subject: String, detail: String, sealed: [UInt8], at: Double)]
    ) throws -> [HubConnection.SignedRow] {
        guard !items.isEmpty else { return [] }
        let (door, first) = state.withLock { state in
            let first = state.membership.signedThrough + 1
            state.membership.signedThrough += Int64(items.count)
            return (state.membership.doorID, first)
        }
        try persistMembership()
        return items.enumerated().map { offset, item in
            let detail = kind == .subject ? SignedChange.digest(ofSealed: item.sealed) : item.detail
            let change = SignedChange(
                fleetID: key.fleetID, originDoor: door, doorSeq: first + Int64(offset), kind: kind, subject: item.subject, detail: detail,
                at: item.at)
            let proof = key.proof(signature: registry.audit.sign(change.message), for: change)
            return HubConnection.SignedRow(
                subject: item.subject, detail: item.detail, sealed: item.sealed, at: item.at, doorSeq: change.doorSeq, proof: proof)
        }
    }

    /// Whether to apply `change`, given the numbers applied so far (`applied`, updated
    /// when the answer is `.apply`).
    func verify(_ change: HubChange, applied: inout [String: Int64], hub: HubConnection, session: SyncSession) async throws -> Verdict {
        let verdict = try await authenticate(change, hub: hub, session: session)
        guard verdict == .apply, let doorSeq = change.doorSeq else { return verdict }
        if let high = applied[change.originDoor], doorSeq <= high {
            if change.sequence <= session.rereadThrough { return .skip }
            return .refuse(
                code: "replay",
                problem:
                    "\(change.kindName) \(change.sequence) on the hub repeats or reorders a change its door already gave (its number \(doorSeq); this door has applied up to \(high)): a genuine row given again"
            )
        }
        applied[change.originDoor] = doorSeq
        return .apply
    }

    /// Whether `change` is what its origin door signed, for this fleet and this place
    /// (`.apply`), from before signing (`.skip`), or neither.
    func authenticate(_ change: HubChange, hub: HubConnection, session: SyncSession) async throws -> Verdict {
        let what = change.kindName
        guard let proof = change.proof, let doorSeq = change.doorSeq else {
            if change.sequence <= session.signedFrom { return .skip }
            return .refuse(
                code: "unsigned",
                problem:
                    "\(what) \(change.sequence) on the hub is not signed, and the hub signs every row since its upgrade: it was written by someone other than a door of this fleet"
            )
        }
        let detail: String =
            switch change.kind {
            case .subject(let sealed): SignedChange.digest(ofSealed: sealed)
            case .erasure(let reason): reason
            case .withdrawal(let purpose): purpose
            }
        let signed = SignedChange(
            fleetID: key.fleetID, originDoor: change.originDoor, doorSeq: doorSeq, kind: change.signedKind, subject: change.subject,
            detail: detail, at: change.at)
        guard let signature = key.signature(inProof: proof, for: signed) else {
            return .refuse(
                code: "seal",
                problem:
                    "\(what) \(change.sequence) on the hub does not open with the fleet key for its fleet, door, number, subject and content: it was forged or altered by someone without the fleet key, or moved from another row"
            )
        }
        guard let publicKey = try await doorKey(change.originDoor, hub: hub, session: session) else {
            return .wait(
                code: "key",
                problem:
                    "\(what) \(change.sequence) on the hub names a door whose key the hub does not hold sealed with the fleet key: it cannot be verified, and this door reads no further until it can"
            )
        }
        guard SignatureVerifier.isValid(signature: signature, message: signed.message, publicKey: publicKey) else {
            return .refuse(
                code: "signature",
                problem:
                    "\(what) \(change.sequence) on the hub is not signed by the door it names: it was made by another holder of the fleet key"
            )
        }
        return .apply
    }

    /// A door's verification key, opened from the hub (read again when a door is new).
    private func doorKey(_ door: String, hub: HubConnection, session: SyncSession) async throws -> [UInt8]? {
        if let known = session.doorKeys[door] { return known }
        for (id, sealed) in try await hub.auditKeys() where session.doorKeys[id] == nil {
            if let opened = key.open(sealed, auditOf: id, seq: nil), opened.count == SigningKeyPair.publicKeyBytes {
                session.doorKeys[id] = opened
            }
        }
        return session.doorKeys[door]
    }

    /// A refused row: a breach event in the audit log, the report's count, the log, and
    /// (at the end of the sync, outside any transaction: `recordRefusals`) the hub's list
    /// for `fleet status`.
    func refuse(_ change: HubChange, code: String, problem: String, session: SyncSession) {
        state.withLock { state in
            state.rejected += 1
            state.lastRejection = problem
        }
        logger.error(
            "fleet: a row on the hub was refused and not applied",
            metadata: ["fleet.sequence": "\(change.sequence)", "fleet.subject": "\(change.subject)", "fleet.problem": "\(code)"])
        do {
            try registry.recordFleetBreach(
                problem: problem + "; it was not applied. Check who can write to the hub", subject: change.subject)
        } catch {
            logger.error("fleet: cannot record the breach event", metadata: ["error": "\(error)"])
        }
        session.refusals.append((change, code))
    }

    /// Lists the rows refused during this sync on the hub (a hub that will not take them
    /// still has the breach events and the count).
    func recordRefusals(_ hub: HubConnection, session: SyncSession) async {
        let door = state.withLock { $0.membership.doorID }
        for (change, code) in session.refusals {
            do {
                try await hub.addRejection(of: change, kind: change.signedKind.rawValue, code: code, door: door, at: clock.now())
            } catch {
                logger.warning("fleet: the hub did not take the record of a refused row", metadata: ["error": "\(error.message)"])
            }
        }
        session.refusals.removeAll()
    }

    /// Saves `fleet.json` now, failing when it cannot (a number must be saved before it is used).
    func persistMembership() throws {
        let membership = state.withLock { $0.membership }
        try membership.save(to: location)
        savedCursor.store(membership.cursor, ordering: .relaxed)
    }
}
