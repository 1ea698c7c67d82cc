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

    /// The fleet's key epochs at each sync (`FleetEpochs`): the door moves to the hub's
    /// newest epoch (or gives a restored hub back the epochs it lost); an erasure since
    /// that epoch began starts the next one, with every older epoch due for destruction
    /// `backup_days` after the erasure; the copy keys under older epochs this door holds
    /// are re-wrapped under the current one; and the keys of epochs past their deadline
    /// are destroyed here.
    func stepEpochs(_ hub: HubConnection) async throws {
        let (door, hubHasEpochs) = state.withLock { ($0.membership.doorID, $0.hubHasEpochs) }
        guard hubHasEpochs else { return }
        let epochs = try await heldEpochs(hub)
        let recorded = try await hub.epochs()
        let now = clock.now()
        var changed = false
        var newest = recorded.last?.number ?? 0
        let lastErasure = try await hub.lastErasure()
        if epochs.current > newest {
            // A hub restored from a backup, or a fleet from before version 4.
            for number in (newest + 1)...epochs.current {
                try await hub.beginEpoch(number, afterSeq: lastErasure?.seq ?? 0, door: door, at: now)
            }
            newest = epochs.current
        } else if newest > epochs.current {
            guard newest - epochs.current <= Self.maxEpochStep else {
                throw FleetError(
                    .integrityFailure,
                    "the hub records key epoch \(newest) while this door is at \(epochs.current): more than \(Self.maxEpochStep) epochs at once is not a fleet's doing; check who writes to the hub"
                )
            }
            changed = epochs.advance(to: newest) || changed
        }
        let after = recorded.last { $0.number == newest }?.afterSeq ?? lastErasure?.seq ?? 0
        if let lastErasure, lastErasure.seq > after {
            let deadline = min(lastErasure.at, now) + registry.policy.retention.backupDays * 86400
            try await hub.requireDestroyed(by: deadline, through: newest)
            try await hub.beginEpoch(newest + 1, afterSeq: lastErasure.seq, door: door, at: now)
            changed = epochs.require(destroyedBy: deadline, through: newest) || changed
            changed = epochs.advance(to: newest + 1) || changed
            logger.info("fleet: an erasure began a new key epoch", metadata: ["fleet.epoch": "\(newest + 1)"])
        }
        for epoch in recorded {
            if let deadline = epoch.destroyAfter { changed = epochs.require(destroyedBy: deadline, through: epoch.number) || changed }
        }
        try await rewrapOlderCopyKeys(hub, epochs: epochs)
        let destroyed = epochs.destroyExpired(now: now)
        if !destroyed.isEmpty {
            logger.info("fleet: key epochs past their deadline destroyed", metadata: ["fleet.epochs": "\(destroyed)"])
        }
        if changed || !destroyed.isEmpty { try epochs.save() }
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
            epoch: 1, key: FleetEpochs.derivedFirstKey(root: rootKey, fleetID: key.fleetID), fleetID: key.fleetID, root: rootKey,
            directory: location.keys)
        state.withLock { $0.epochs = epochs }
        return epochs
    }

    /// Re-wraps, page by page, the copy keys under an older epoch this door holds.
    private func rewrapOlderCopyKeys(_ hub: HubConnection, epochs: FleetEpochs) async throws {
        let older = epochs.epochs.filter { $0.held && $0.number < epochs.current }.map(\.number)
        while true {
            let page = try await hub.copyKeys(under: older, limit: Self.rewrapPage)
            guard !page.isEmpty else { return }
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
            guard page.count == Self.rewrapPage, !rewrapped.isEmpty else { return }
        }
    }

    /// Opens a copy read from the hub: with its own key, unwrapped with its epoch's
    /// (moving to that epoch first when the hub is ahead), or with the fleet key for a
    /// copy from before version 4.
    func openCopy(_ sealed: [UInt8], of change: HubChange) -> SecureBuffer? {
        guard let wrapped = change.copyKey else { return key.open(sealed, subject: change.subject) }
        guard let epochs = state.withLock({ $0.epochs }) else { return nil }
        if wrapped.epoch > epochs.current, wrapped.epoch - epochs.current <= Self.maxEpochStep, epochs.advance(to: wrapped.epoch) {
            do throws(FleetError) { try epochs.save() } catch {
                logger.error("fleet: cannot save the key epochs", metadata: ["error": "\(error.message)"])
            }
        }
        guard let copyKey = epochs.unwrap(wrapped.wrapped, epoch: wrapped.epoch, subject: change.subject) else { return nil }
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
