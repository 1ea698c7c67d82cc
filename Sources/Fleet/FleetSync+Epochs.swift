import Consent
import FacegateCore
import Logging
import Synchronization
import Vault

extension FleetSync {
    /// How far a door moves its key epoch in one step at the hub's word: a row claiming
    /// a billion epochs must not keep it hashing.
    static let maxEpochStep = 1000
    /// Copy keys re-wrapped per statement.
    static let rewrapPage = 500

    /// The fleet's key epochs at each sync (`FleetEpochs`), before the hub's changes are
    /// read: keys past their deadline are destroyed first (they also are without the
    /// hub: `expireEpochKeys`); the door moves to the hub's newest epoch, or gives a
    /// restored hub back the epochs and deadlines it lost; the hub's deadlines are kept
    /// (its trigger only lets them come closer); and the copy keys under older epochs
    /// this door holds are re-wrapped under the current one. New epochs begin from the
    /// erasures this door verified (`settleErasures`), never from what the hub says.
    func stepEpochs(_ hub: HubConnection) async throws {
        let (door, hubHasEpochs) = state.withLock { ($0.membership.doorID, $0.hubHasEpochs) }
        expireEpochKeys()
        guard hubHasEpochs else { return }
        let epochs = try await heldEpochs(hub)
        let recorded = try await hub.epochs()
        let now = clock.now()
        var changed = false
        let newest = recorded.last?.number ?? 0
        if epochs.current > newest {
            // A hub restored from a backup, or a fleet from before version 4: the epochs and
            // the deadlines this door knows, back on the hub.
            let after = try await hub.lastErasure()?.seq ?? 0
            for number in (newest + 1)...epochs.current {
                try await hub.beginEpoch(number, afterSeq: after, door: door, at: now)
            }
            for epoch in epochs.epochs {
                if let deadline = epoch.destroyAfter { try await hub.requireDestroyed(by: deadline, through: epoch.number) }
            }
        } else if newest > epochs.current {
            guard newest - epochs.current <= Self.maxEpochStep else {
                throw FleetError(
                    .integrityFailure,
                    "the hub records key epoch \(newest) while this door is at \(epochs.current): more than \(Self.maxEpochStep) epochs at once is not a fleet's doing; check who writes to the hub"
                )
            }
            changed = epochs.advance(to: newest) || changed
        }
        for epoch in recorded {
            if let deadline = epoch.destroyAfter { changed = epochs.require(destroyedBy: deadline, through: epoch.number) || changed }
        }
        try await rewrapOlderCopyKeys(hub, epochs: epochs)
        if changed { try epochs.save() }
        expireEpochKeys()
    }

    /// After the hub's changes are read: the erasures this door verified (its own among
    /// them, read back) give every epoch that may hold the erased copies a deadline,
    /// `backup_days` after the erasure, and begin the next epoch, unless the door's
    /// current epoch was begun after them by the door that made them (when that is this
    /// door, only an epoch it did begin). Each door does this for itself, and the
    /// deadlines it sets on the hub only come closer: an epoch row forged in another
    /// door's name delays nothing that door does not set right.
    func settleErasures(_ hub: HubConnection, session: SyncSession) async throws {
        let seen = session.erasuresSeen
        session.erasuresSeen.removeAll()
        let (door, hubHasEpochs) = state.withLock { ($0.membership.doorID, $0.hubHasEpochs) }
        guard !seen.isEmpty, hubHasEpochs, let epochs = state.withLock({ $0.epochs }) else { return }
        let now = clock.now()
        let currentRow = try await hub.epochs().last { $0.number == epochs.current }
        let begunHere = state.withLock { $0.epochsBegunHere }
        let covered = seen.allSatisfy { erasure in
            currentRow.map {
                $0.afterSeq >= erasure.seq && $0.begunBy == erasure.origin && (erasure.origin != door || begunHere.contains($0.number))
            } ?? false
        }
        let base = covered ? epochs.current - 1 : epochs.current
        let deadline = min(seen.map(\.at).min() ?? now, now) + registry.policy.retention.backupDays * 86400
        var changed = base > 0 && epochs.require(destroyedBy: deadline, through: base)
        if base > 0 { try await hub.requireDestroyed(by: deadline, through: base) }
        if !covered {
            let next = epochs.current + 1
            if try await hub.beginEpoch(next, afterSeq: seen.map(\.seq).max() ?? 0, door: door, at: now) {
                _ = state.withLock { $0.epochsBegunHere.insert(next) }
            }
            changed = epochs.advance(to: next) || changed
            logger.info("fleet: an erasure began a new key epoch", metadata: ["fleet.epoch": "\(epochs.current)"])
        }
        if changed { try epochs.save() }
    }

    /// Destroys the keys of epochs past their deadline, by this door's own record: run at
    /// every sync and on the door's own timer, so that a hub that is down, or one that
    /// refuses this door, delays no destruction.
    func expireEpochKeys() {
        guard let epochs = state.withLock({ $0.epochs }) else { return }
        let destroyed = epochs.destroyExpired(now: clock.now())
        guard !destroyed.isEmpty else { return }
        logger.info("fleet: key epochs past their deadline destroyed", metadata: ["fleet.epochs": "\(destroyed)"])
        do throws(FleetError) {
            try epochs.save()
        } catch {
            logger.error("fleet: cannot save the key epochs", metadata: ["error": "\(error.message)"])
        }
    }

    /// The door's epochs; for a door that joined before epochs existed, the fleet's
    /// first one, computed from the fleet key (only for a fleet made before them).
    func heldEpochs(_ hub: HubConnection) async throws -> FleetEpochs {
        if let epochs = state.withLock({ $0.epochs }) { return epochs }
        guard try await !hub.epochsRandom() else {
            throw FleetError(
                .fleetState,
                "this door has no key epochs of the fleet (\(location.keys.fleetEpochsPath)): copy that file from a door of the fleet (mode 0600)"
            )
        }
        let epochs = try FleetEpochs.create(
            epoch: 1, key: FleetEpochs.derivedFirstKey(root: rootKey, fleetID: key.fleetID), fleetID: key.fleetID, random: false,
            root: rootKey, directory: location.keys)
        state.withLock { $0.epochs = epochs }
        return epochs
    }

    /// Re-wraps, page by page in the pseudonyms' order, the copy keys under an older
    /// epoch this door holds; a key that does not open is left and the next taken.
    private func rewrapOlderCopyKeys(_ hub: HubConnection, epochs: FleetEpochs) async throws {
        let older = epochs.epochs.filter { $0.held && $0.number < epochs.current }.map(\.number)
        var after = ""
        while true {
            let page = try await hub.copyKeys(under: older, after: after, limit: Self.rewrapPage)
            guard let last = page.last else { return }
            after = last.subject
            var rewrapped: [WrappedCopyKey] = [], from: [Int] = []
            for old in page {
                guard let copyKey = epochs.unwrap(old.wrapped, epoch: old.epoch, subject: old.subject) else {
                    logger.error(
                        "fleet: a copy's key on the hub does not open with its epoch's key (altered or misplaced); left as it is",
                        metadata: ["fleet.subject": "\(old.subject)", "fleet.epoch": "\(old.epoch)"])
                    continue
                }
                let new = epochs.wrap(copyKey, subject: old.subject)
                copyKey.wipe()
                rewrapped.append(WrappedCopyKey(subject: old.subject, epoch: new.epoch, wrapped: new.wrapped))
                from.append(old.epoch)
            }
            try await hub.rewrap(rewrapped, from: from)
            guard page.count == Self.rewrapPage else { return }
        }
    }

    /// Opens a copy read from the hub: with its own key, unwrapped with its epoch's
    /// (moving to that epoch first when another door began it since this door's step,
    /// and only if the key opens there), or with the fleet key for a copy from before
    /// version 4.
    func openCopy(_ sealed: [UInt8], of change: HubChange) -> SecureBuffer? {
        guard let wrapped = change.copyKey else { return key.open(sealed, subject: change.subject) }
        guard let epochs = state.withLock({ $0.epochs }) else { return nil }
        var copyKey = epochs.unwrap(wrapped.wrapped, epoch: wrapped.epoch, subject: change.subject)
        if copyKey == nil, wrapped.epoch > epochs.current {
            let ahead = epochs.unwrapAhead(wrapped.wrapped, epoch: wrapped.epoch, subject: change.subject, maxStep: Self.maxEpochStep)
            copyKey = ahead.key
            if ahead.moved {
                do throws(FleetError) {
                    try epochs.save()
                } catch {
                    logger.error("fleet: cannot save the key epochs", metadata: ["error": "\(error.message)"])
                }
            }
        }
        guard let copyKey else { return nil }
        defer { copyKey.wipe() }
        return key.open(sealed, subject: change.subject, copyKey: copyKey)
    }

    /// Seals a copy for the hub with a fresh key of its own, wrapped under the current
    /// epoch; with the fleet key, as before version 4, for a hub not upgraded yet.
    func sealCopy(_ plaintext: [UInt8], subject: String) throws -> (sealed: [UInt8], copyKey: WrappedCopyKey?) {
        let (held, hubHasEpochs) = state.withLock { ($0.epochs, $0.hubHasEpochs) }
        guard hubHasEpochs else { return (key.seal(plaintext, subject: subject), nil) }
        guard let epochs = held else {
            throw FleetError(.fleetState, "this door has no key epochs of the fleet yet; it gets them at its next sync")
        }
        let copyKey = SecretKey.random()
        defer { copyKey.wipe() }
        let wrapped = epochs.wrap(copyKey, subject: subject)
        return (
            key.seal(plaintext, subject: subject, copyKey: copyKey),
            WrappedCopyKey(subject: subject, epoch: wrapped.epoch, wrapped: wrapped.wrapped)
        )
    }
}
