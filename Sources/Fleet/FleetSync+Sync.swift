import Consent
import FacegateCore
import Logging
import Synchronization
import Vault

extension FleetSync {
    /// One sync: erasures and partial withdrawals owed to the hub, the hub's changes, subjects enrolled here
    /// that the hub lacks (when something changed here, or on connecting), the audit
    /// chain (`FleetSync+Audit`), and the door's heartbeat.
    func sync(_ hub: HubConnection, session: SyncSession, full: Bool) async throws {
        let (door, name) = state.withLock { ($0.membership.doorID, $0.membership.doorName) }
        let changedHere = localChange.exchange(false, ordering: .relaxed)
        if full || changedHere {
            let owed = try registry.journaledErasures().filter { !session.given.contains($0.subject.rawValue) }
            if !owed.isEmpty {
                // Signed under the writer lock, only what the hub lacks (or holds unsigned,
                // from before version 3): each number reserved is one the hub gets.
                let held = try await hub.signedErasures(among: owed.map(\.subject.rawValue))
                let (genuine, forged) = try await sortOut(held, hub: hub, session: session)
                try await hub.inWriteTransaction(doing: "record erasures on") { () async throws(FleetError) in
                    let rows = try self.signing {
                        try self.signRows(
                            .erasure,
                            owed.filter { !genuine.contains($0.subject.rawValue) }.map { ($0.subject.rawValue, $0.reason, [], $0.at) })
                    }
                    try await hub.addErasures(rows, replacing: forged, door: door)
                }
                for erasure in owed {
                    session.given.insert(erasure.subject.rawValue)
                    session.known.remove(erasure.subject.rawValue)
                }
            }
            let withdrawn = try registry.journaledWithdrawals().filter {
                !session.given.contains($0.subject.rawValue) && !session.withdrawals.contains($0.subject.rawValue + "|" + $0.purpose)
            }
            if !withdrawn.isEmpty {
                let held = try await hub.signedWithdrawals(among: Array(Set(withdrawn.map(\.subject.rawValue))))
                let (genuine, forged) = try await sortOut(held, hub: hub, session: session)
                try await hub.inWriteTransaction(doing: "record withdrawals on") { () async throws(FleetError) in
                    let rows = try self.signing {
                        try self.signRows(
                            .withdrawal,
                            withdrawn.filter { !genuine.contains($0.subject.rawValue + "|" + $0.purpose) }.map {
                                ($0.subject.rawValue, $0.purpose, [], $0.at)
                            })
                    }
                    try await hub.addWithdrawals(rows, replacing: forged, door: door)
                }
                session.withdrawals.formUnion(withdrawn.map { $0.subject.rawValue + "|" + $0.purpose })
            }
        }
        if full {
            // A hub restored from a backup has lost its newest changes, and may since have
            // numbered new ones with the same sequence numbers: a door whose cursor is
            // past what the hub recorded of it reads everything again.
            let last = try await hub.lastSequence()
            let recorded = try await hub.recordedCursor(of: door) ?? 0
            let cursor = state.withLock { $0.membership.cursor }
            if cursor > last || cursor > recorded {
                logger.warning(
                    "fleet: the hub has lost changes this door applied (restored from a backup?); reading all of them again",
                    metadata: ["fleet.cursor": "\(cursor)", "fleet.hub_sequence": "\(last)", "fleet.hub_recorded": "\(recorded)"])
                state.withLock { $0.membership.cursor = 0 }
                // Rows applied before are met again up to here: skipped, not refused.
                session.rereadThrough = last
            }
        }
        try await stepEpochs(hub)
        try await pull(hub, session: session)
        try await settleErasures(hub, session: session)
        if full, state.withLock({ $0.hubHasEpochs }) { try await hub.clearExpiredTokenKeys(at: clock.now()) }
        if full || changedHere {
            let held = try registry.heldSubjects().map(\.rawValue).filter { !session.known.contains($0) }
            let unknown = try await hub.unknownSubjects(among: held)
            for subject in held where !unknown.contains(subject) { session.known.insert(subject) }
            let pending = unknown.sorted()
            for start in stride(from: 0, to: pending.count, by: Self.pageSize) {
                try await push(Array(pending[start..<min(start + Self.pageSize, pending.count)]), hub: hub, session: session)
            }
            try await givePhotos(hub, session: session)
        }
        // The audit chain is the DPO's copy, not the door's safety: a hub that refuses it
        // (a role without the table) is reported, and membership keeps syncing.
        if !session.auditRefused {
            do { try await giveAudit(hub, session: session, full: full) } catch let error as FleetError where error.code == .hubRefused {
                session.auditRefused = true
                logger.error(
                    "fleet: the hub refuses this door's audit chain; the fleet's audit export will lack it",
                    metadata: ["fleet.hub": "\(address)", "error": "\(error.message)"])
            }
        }
        await recordRefusals(hub, session: session)
        let now = clock.now()
        let cursor = state.withLock { state in
            state.membership.lastHeardAt = now
            state.lastSyncAt = ContinuousClock.now
            return state.membership.cursor
        }
        try await hub.touch(doorID: door, name: name, cursor: cursor, at: now)
        checkHold()
        saveMembership(force: false)
    }

    /// Reads and applies the hub's changes after the cursor, page by page: the copies
    /// of a page adopted in one transaction, each erasure applied in its turn.
    func pull(_ hub: HubConnection, session: SyncSession) async throws {
        let (door, name) = state.withLock { ($0.membership.doorID, $0.membership.doorName) }
        while true {
            let cursor = state.withLock { $0.membership.cursor }
            let changes = try await hub.changes(after: cursor, limit: Self.pageSize, withCopyKeys: state.withLock { $0.hubHasEpochs })
            guard let last = changes.last else { return }
            let erasedHere =
                changes.contains { if case .subject = $0.kind { true } else { false } } ? try registry.vault.erasedSubjects() : []
            var copies: [(copy: FleetCopy, door: String)] = []
            // The numbers applied, kept with the cursor: a page that fails is read again
            // as it was, not taken for a replay of itself.
            var applied = state.withLock { $0.membership.applied }
            var through = last.sequence
            for change in changes {
                guard let subject = SubjectID(change.subject) else {
                    logger.error("fleet: the hub holds a malformed pseudonym; skipped", metadata: ["fleet.sequence": "\(change.sequence)"])
                    continue
                }
                switch try await verify(change, applied: &applied, hub: hub, session: session) {
                case .apply: break
                case .skip: continue
                case .refuse(let code, let problem):
                    refuse(change, code: code, problem: problem, session: session)
                    continue
                case .wait(let code, let problem):
                    if session.waitingAt != change.sequence {
                        session.waitingAt = change.sequence
                        refuse(change, code: code, problem: problem, session: session)
                    }
                    through = change.sequence - 1
                }
                if through < last.sequence { break }
                switch change.kind {
                case .subject(let sealed):
                    session.known.insert(change.subject)
                    if change.originDoor != door { session.enrolledElsewhere?.insert(change.subject) }
                    guard !erasedHere.contains(subject) else { continue }
                    guard try !registry.vault.exists(subject) else {
                        // A member held here whose copy another door gave again: photos added there,
                        // or their panel credential. Only from the door that enrolled them.
                        if change.originDoor != door, try registry.fleetOrigin(of: subject) == .door(change.originDoor),
                            let copy = open(sealed, of: change, subject: subject)
                        {
                            try Self.$applyingHubChanges.withValue(true) {
                                _ = try registry.adoptAddedTemplates(copy, fromDoor: change.originDoor)
                                try adoptPanelCredential(copy, fromDoor: change.originDoor)
                            }
                        }
                        continue
                    }
                    if let copy = open(sealed, of: change, subject: subject) { copies.append((copy, change.originDoor)) }
                case .erasure(let reason):
                    session.erasuresSeen.append((change.sequence, change.at, change.originDoor))
                    // Copies before it first: an erasure is never overtaken by an older copy.
                    try adopt(&copies)
                    session.known.remove(change.subject)
                    session.enrolledElsewhere?.remove(change.subject)
                    session.given.insert(change.subject)
                    guard try registry.vault.exists(subject) || registry.activeConsent(of: subject) != nil else { continue }
                    try Self.$applyingHubChanges.withValue(true) {
                        try registry.erase(subject, reason: ConsentRegistry.ErasureReason(rawValue: reason) ?? .request, actor: Self.actor)
                    }
                    state.withLock { $0.erasedFromHub += 1 }
                case .withdrawal(let purpose):
                    // The copy it narrows first; a consent that no longer holds it is left alone.
                    try adopt(&copies)
                    session.withdrawals.insert(change.subject + "|" + purpose)
                    // Not under `applyingHubChanges`: a withdrawal that leaves no purpose (or
                    // takes this door's required one) erases the member here, and that
                    // erasure must reach the hub at the next sync.
                    if try registry.applyFleetWithdrawal(of: purpose, from: subject, actor: Self.actor) {
                        state.withLock { $0.withdrawnFromHub += 1 }
                    }
                }
            }
            try adopt(&copies)
            let reached = max(through, cursor)
            state.withLock { state in
                state.membership.cursor = reached
                state.membership.applied = applied
            }
            // The hub learns each page at once: a sync cut short by its time limit (a door
            // joining a large fleet) must not leave the hub's record behind the cursor,
            // which would read as a restored hub and start the door over.
            try await hub.touch(doorID: door, name: name, cursor: reached, at: clock.now())
            guard changes.count == Self.pageSize, through == last.sequence else { return }
        }
    }

    private func adopt(_ copies: inout [(copy: FleetCopy, door: String)]) throws {
        guard !copies.isEmpty else { return }
        let adopted = try Self.$applyingHubChanges.withValue(true) { try registry.adopt(copies) }
        copies.removeAll()
        state.withLock { $0.adopted += adopted }
    }

    private func open(_ sealed: [UInt8], of change: HubChange, subject: SubjectID) -> FleetCopy? {
        guard let opened = openCopy(sealed, of: change) else {
            logger.error(
                "fleet: a subject's copy on the hub does not open with the fleet's keys (altered, misplaced, or under a destroyed key epoch); skipped",
                metadata: ["fleet.subject": "\(subject)", "fleet.sequence": "\(change.sequence)"])
            return nil
        }
        defer { opened.wipe() }
        guard let copy = FleetCopy(decoding: UnsafeRawBufferPointer(opened.bytes), subject: subject) else {
            logger.error(
                "fleet: a subject's copy on the hub is not one this version reads; skipped", metadata: ["fleet.subject": "\(subject)"])
            return nil
        }
        return copy
    }

    /// Pushes subjects enrolled here, a batch per transaction, under the hub's writer
    /// lock after reading every change before it: a subject whose face is already a
    /// member another door enrolled is refused (erased here, reason `duplicate`) and
    /// the refusal recorded on the hub.
    ///
    /// Only other doors' members are compared: two enrolments of one face at this
    /// door are this door's own business, as on a single box, and comparing each
    /// pushed face with every member made the first push of a large membership
    /// quadratic (100,000 subjects: 16 minutes, most of them searching).
    private func push(_ subjects: [String], hub: HubConnection, session: SyncSession, replacing: Bool = false) async throws {
        var sealed: [(subject: String, id: SubjectID, copy: FleetCopy, sealed: [UInt8])] = []
        var copyKeys: [String: WrappedCopyKey] = [:]
        var confirmed: [String: Set<String>] = [:]
        let now = clock.now()
        for subject in subjects {
            guard let id = SubjectID(subject), let copy = try registry.fleetCopy(of: id) else { continue }
            var plain = try copy.encoded()
            defer { wipeMemory(&plain, plain.count) }
            let made = try sealCopy(plain, subject: subject)
            sealed.append((subject, id, copy, made.sealed))
            copyKeys[subject] = made.copyKey
            confirmed[subject] = try registry.confirmedDifferent(from: id)
        }
        guard !sealed.isEmpty else { return }
        let door = state.withLock { $0.membership.doorID }
        // The enrolment's own check (`duplicateThreshold`, calibrated for the gallery),
        // not the door's threshold: strangers of a large gallery fall within that.
        let threshold = registry.duplicateThreshold
        let refused = try await hub.inWriteTransaction(doing: "add subjects to") {
            () async throws(FleetError) -> [(SubjectID, SubjectID)] in
            do {
                try await self.pull(hub, session: session)
            } catch let error as FleetError {
                throw error
            } catch {
                throw FleetError(
                    .hubUnavailable, "applying the hub's changes failed: \((error as? any UserFacingError)?.message ?? "\(error)")")
            }
            if session.enrolledElsewhere == nil { session.enrolledElsewhere = try await hub.subjects(enrolledElsewhereThan: door) }
            let elsewhere = session.enrolledElsewhere ?? []
            var refused: [(SubjectID, SubjectID)] = []
            var accepted: [(subject: String, detail: String, sealed: [UInt8], at: Double)] = []
            for entry in sealed where replacing {
                accepted.append((entry.subject, "", entry.sealed, now))
            }
            for entry in sealed where !replacing {
                // Never the subject itself: a copy from before version 3 that another door
                // enrolled is signed again by a door that holds it.
                // Nor the members an admin confirmed to be other people (`enrol --different-from`).
                let others = elsewhere.subtracting(confirmed[entry.subject, default: []].union([entry.subject]))
                let duplicate = entry.copy.descriptors.lazy.compactMap {
                    self.member(enrolledElsewhere: others, closerThan: threshold, to: $0)
                }.first
                if let duplicate { refused.append((entry.id, duplicate)) } else { accepted.append((entry.subject, "", entry.sealed, now)) }
            }
            let rows = try self.signing { try self.signRows(.subject, accepted) }.map { row in
                var row = row
                row.copyKey = copyKeys[row.subject]
                return row
            }
            let added = try await hub.addSubjects(rows, door: door, replacing: replacing)
            session.known.formUnion(added)
            self.state.withLock { $0.pushed += added.count }
            return refused
        }
        for (id, duplicate) in refused {
            try registry.erase(id, reason: .duplicate, actor: Self.actor)
            try await hub.addRefusal(id.rawValue, door: door, duplicateOf: duplicate.rawValue, at: clock.now())
            state.withLock { $0.refused += 1 }
            logger.warning(
                "fleet: an enrolment here was refused: the face is already a member of the fleet",
                metadata: ["fleet.subject": "\(id)", "fleet.member": "\(duplicate)"])
        }
    }

    /// Takes the panel credential the enrolling door's copy carries for a member held
    /// here: every door sends the panel the same card read for one member.
    private func adoptPanelCredential(_ copy: FleetCopy, fromDoor door: String) throws {
        guard let credential = copy.panelCredential else { return }
        do {
            _ = try registry.panelCredentials.adopt(credential, for: copy.subject, fromDoor: door, panel: registry.policy.osdp)
        } catch let error as ConsentError where error.code == .conflict {
            logger.error("fleet: a panel credential from another door was not taken", metadata: ["error": "\(error.message)"])
        }
    }

    /// Gives the hub again the copies of this door's members given photos here since the
    /// last time (`subject.add_photos` in the audit log), replacing its own rows: the
    /// other doors add the new templates. A member another door enrolled keeps the
    /// photos at this door only (its row is that door's), which the log says.
    private func givePhotos(_ hub: HubConnection, session: SyncSession) async throws {
        let (door, marker) = state.withLock { ($0.membership.doorID, $0.membership.photosGivenThrough) }
        let (through, subjects) = try registry.copiesChanged(after: marker)
        guard through > marker else { return }
        let origins = try await hub.origins(of: subjects.map(\.rawValue))
        let own = subjects.map(\.rawValue).filter { origins[$0] == door }
        for subject in subjects.map(\.rawValue) where origins[subject].map({ $0 != door }) == true {
            logger.warning(
                "fleet: photos or a panel credential were added here to a member another door enrolled; they stay at this door (add them at that door for the whole fleet)",
                metadata: ["fleet.subject": "\(subject)"])
        }
        for start in stride(from: 0, to: own.count, by: Self.pageSize) {
            try await push(Array(own[start..<min(start + Self.pageSize, own.count)]), hub: hub, session: session, replacing: true)
        }
        state.withLock { $0.membership.photosGivenThrough = through }
        saveMembership(force: true)
    }

    /// The member of `elsewhere` whose face is closest to `descriptor` within
    /// `threshold`, if any: each of them compared when they are few, the gallery
    /// searched when they are many.
    private func member(enrolledElsewhere elsewhere: Set<String>, closerThan threshold: Double, to descriptor: FaceDescriptor)
        -> SubjectID?
    {
        guard !elsewhere.isEmpty else { return nil }
        let gallery = registry.vault.gallery
        if elsewhere.count * 4 < gallery.subjectCount { return compared(with: elsewhere, closerThan: threshold, to: descriptor) }
        let nearest = gallery.search(descriptor, k: 8)
        if let found = nearest.first(where: { Double($0.distance) < threshold && elsewhere.contains($0.subject.rawValue) }) {
            return found.subject
        }
        // Eight of this door's own enrolments of the face could hide another door's.
        guard nearest.count == 8, let last = nearest.last, Double(last.distance) < threshold else { return nil }
        return compared(with: elsewhere, closerThan: threshold, to: descriptor)
    }

    /// The closest of `subjects` to `descriptor` within `threshold`, each compared alone.
    private func compared(with subjects: Set<String>, closerThan threshold: Double, to descriptor: FaceDescriptor) -> SubjectID? {
        let gallery = registry.vault.gallery
        return subjects.lazy.compactMap { subject in
            SubjectID(subject).flatMap { id in gallery.verify(descriptor, against: id).map { (id, $0) } }
        }
        .filter { Double($0.1) < threshold }
        .min { $0.1 < $1.1 }?.0
    }

    /// Writes `fleet.json` when the cursor moved, or every minute for the time of the
    /// last sync (not every second: a door's storage is often an SD card).
    func saveMembership(force: Bool) {
        let now = clock.now()
        let (membership, due): (FleetMembership, Bool) = state.withLock { state in
            let due = force || now - state.savedAt >= 60
            if due { state.savedAt = now }
            return (state.membership, due)
        }
        guard due || membership.cursor != savedCursor.load(ordering: .relaxed) else { return }
        do {
            try membership.save(to: location)
            savedCursor.store(membership.cursor, ordering: .relaxed)
        } catch {
            logger.error("fleet: cannot save the door's fleet state", metadata: ["error": "\(error.message)"])
        }
    }

    /// The hub's signed rows of what this door is giving, sorted into those that verify
    /// (nothing to give) and those that do not (signed over), each as "subject" or
    /// "subject|purpose". Done before the writer lock: it may read the doors' keys.
    func sortOut(_ rows: [HubChange], hub: HubConnection, session: SyncSession) async throws -> (genuine: Set<String>, forged: [String]) {
        var genuine = Set<String>()
        var forged: [String] = []
        for row in rows {
            let name: String = if case .withdrawal(let purpose) = row.kind { row.subject + "|" + purpose } else { row.subject }
            if try await authenticate(row, hub: hub, session: session) == .apply { genuine.insert(name) } else { forged.append(name) }
        }
        return (genuine, forged)
    }

    /// Runs `body` (signing) inside a hub transaction, whose closures throw `FleetError` only.
    func signing<T>(_ body: () throws -> T) throws(FleetError) -> T {
        do {
            return try body()
        } catch let error as FleetError {
            throw error
        } catch {
            throw FleetError(.storageFailure, "cannot sign rows for the hub: \((error as? any UserFacingError)?.message ?? "\(error)")")
        }
    }
}
