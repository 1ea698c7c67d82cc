public import FacegateCore
import FoundationEssentials
public import GRDB
public import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The encrypted template store: subjects with wrapped data keys and encrypted
/// profiles, their encrypted templates, the erasure journal and the in-memory
/// gallery, kept in step.
///
/// A stolen database reveals nothing without the keys; an erased subject's key and
/// rows are deleted and the WAL truncated in the same call, so neither the file nor
/// a backup restored later can bring them back: a restore replays the erasure
/// journal, and the key epoch an old backup needs is destroyed `backup_days` after
/// an erasure (see `KeyRing`).
public final class VaultStore: @unchecked Sendable {
    /// The layout of a sealed template (128 little-endian Float32). Bound into the
    /// associated data, so a future layout cannot be mistaken for this one.
    public static let templateSchemaVersion = 1

    public let path: String
    /// The database, shared with the companion module whose tables live beside the
    /// vault's (consent, audit) so that one transaction can cover both.
    public let database: DatabaseQueue
    public let gallery: Gallery
    public let keys: KeyRing
    let journal: ErasureJournal
    let companion: any VaultCompanion
    let clock: any WallClock
    let logger: Logger
    /// How long after an erasure the key epochs that wrapped the erased subject live
    /// on for the backups taken under them (`retention.backup_days`).
    private let backupRetention: Mutex<Double>
    /// How far this process has read the erasure journal.
    private let journalPosition = Mutex(ErasureJournal.Position.start)
    /// What is wrong with the erasure journal, while it is damaged (the door decides
    /// nobody meanwhile): `status`, `/health` and `/metrics` say so.
    private let damage = Mutex<String?>(nil)

    /// The erasure journal's damage, nil while it reads whole.
    public var journalDamage: String? { damage.withLock { $0 } }
    /// Called after every enrolment and erasure this process commits (the fleet's sync
    /// pushes them to the hub at once instead of polling the database).
    private let changeObservers = Mutex<[@Sendable () -> Void]>([])
    /// What the last key maintenance did (its unreadable subjects go in a breach report).
    let lastKeyMaintenance = Mutex<KeyMaintenance?>(nil)

    /// Subjects whose wrapped key did not open at the last key maintenance.
    public var unreadableSubjects: [String] { lastKeyMaintenance.withLock { $0?.unreadable ?? [] } }

    /// Opens (creating if needed) the vault at `path`: runs the vault's and the
    /// companion's migrations, checks the key, lets the companion catch up, replays
    /// the erasure journal (finishing interrupted erasures and re-applying those a
    /// restored backup predates), moves every subject to the current key epoch,
    /// destroys epochs whose deadline passed, truncates the WAL and, when
    /// `loadGallery` is set, decrypts every template into the gallery.
    ///
    /// Only one process may do this at a time for a state directory: the caller holds
    /// its `StateDirectoryLock`. Only `creating` makes a new database (`keys init`,
    /// a restore); otherwise a missing or empty file is an error, not a new vault.
    public static func open(
        path: String,
        keys: KeyRing,
        companion: any VaultCompanion,
        backupRetentionSeconds: Double,
        clock: any WallClock = SystemWallClock(),
        logger: Logger,
        loadGallery: Bool = true,
        creating: Bool = false
    ) throws -> VaultStore {
        if !creating { try VaultDatabase.requireExisting(path) }
        let queue = try VaultDatabase.openQueue(path: path)
        try VaultDatabase.migrate(queue, path: path, extra: companion.registerMigrations)
        let store = VaultStore(
            path: path, database: queue, keys: keys, companion: companion, backupRetention: backupRetentionSeconds, clock: clock,
            logger: logger)
        try store.verifyKEK()
        try companion.vaultDidOpen(store)
        try store.checkJournal()
        try store.adoptLegacyJournal()
        try store.healJournal()
        try store.catchUpWithJournal()
        _ = try store.maintainKeys()
        try store.truncateWAL()
        if loadGallery { try store.loadGallery() }
        return store
    }

    private init(
        path: String, database: DatabaseQueue, keys: KeyRing, companion: any VaultCompanion, backupRetention: Double,
        clock: any WallClock, logger: Logger
    ) {
        self.path = path
        self.database = database
        self.keys = keys
        self.companion = companion
        self.clock = clock
        self.logger = logger
        self.backupRetention = Mutex(backupRetention)
        self.gallery = Gallery()
        self.journal = ErasureJournal(path: keys.directory.erasureJournalPath, key: keys.journalKey)
    }

    /// Changes `backup_days` (a policy reload).
    public func setBackupRetention(seconds: Double) {
        backupRetention.withLock { $0 = seconds }
    }

    /// Closes the database connection.
    public func close() throws {
        try database.close()
    }

    // MARK: Enrolment

    /// One subject to enrol.
    public struct NewSubject: Sendable {
        public var profile: SubjectProfile
        public var embeddings: [FaceDescriptor]
        public var expiresAt: Double
        /// The pseudonym, when the subject already has one: a copy of a subject enrolled
        /// at another door of the fleet keeps it. Nil for a new person (a random one).
        public var id: SubjectID?

        public init(profile: SubjectProfile, embeddings: [FaceDescriptor], expiresAt: Double, id: SubjectID? = nil) {
            self.profile = profile
            self.embeddings = embeddings
            self.expiresAt = expiresAt
            self.id = id
        }
    }

    /// Creates a subject with its templates in one transaction; `inTransaction` runs
    /// inside it (the consent record and the audit entry are written there), so that
    /// either everything is stored or nothing is. The gallery is updated after commit.
    public func enrol(
        profile: SubjectProfile,
        embeddings: [FaceDescriptor],
        expiresAt: Double,
        inTransaction: ((Database, EnrolledSubject) throws -> Void)? = nil
    ) throws -> EnrolledSubject {
        try enrol([NewSubject(profile: profile, embeddings: embeddings, expiresAt: expiresAt)]) { db, subject, _ in
            try inTransaction?(db, subject)
        }[0]
    }

    /// Enrols subjects in one transaction (one fsync for an import of thousands);
    /// `inTransaction` runs once per subject, with its index in `subjects`.
    public func enrol(
        _ subjects: [NewSubject], inTransaction: ((Database, EnrolledSubject, Int) throws -> Void)? = nil
    ) throws -> [EnrolledSubject] {
        guard !subjects.contains(where: { $0.embeddings.isEmpty }) else {
            throw VaultError(.invalidArgument, "an enrolment needs at least one face template")
        }
        let now = clock.now()
        try keys.ensureEpoch(now: now)
        let wrapping = try keys.currentKey()
        var rows: [(EnrolledSubject, [UInt8], [UInt8], [[UInt8]])] = []
        for subject in subjects {
            let id = subject.id ?? SubjectID.random()
            let dataKey = SecretKey.random()
            let wrapped = SealedBox.seal(
                UnsafeRawBufferPointer(dataKey.storage.bytes), key: wrapping.key, associatedData: AssociatedData.wrappedKey(id))
            let personal = try sealProfile(subject.profile, subject: id, key: dataKey)
            let templates = subject.embeddings.map { _ in TemplateID.random() }
            let sealed = zip(templates, subject.embeddings).map { template, embedding in
                embedding.withUnsafeValues { values in
                    SealedBox.seal(
                        UnsafeRawBufferPointer(values), key: dataKey,
                        associatedData: AssociatedData.template(id, template, schemaVersion: Self.templateSchemaVersion))
                }
            }
            rows.append(
                (EnrolledSubject(id: id, templates: templates, createdAt: now, expiresAt: subject.expiresAt), wrapped, personal, sealed))
        }
        try write { db in
            for (index, (record, wrapped, personal, sealed)) in rows.enumerated() {
                try db.execute(
                    sql: "INSERT INTO subject (id, wrapped_key, personal, created_at, expires_at, kek_epoch) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [record.id.rawValue, Data(wrapped), Data(personal), now, record.expiresAt, wrapping.epoch])
                for (position, (template, box)) in zip(record.templates, sealed).enumerated() {
                    try db.execute(
                        sql: "INSERT INTO template (id, subject_id, schema_version, sealed, created_at) VALUES (?, ?, ?, ?, ?)",
                        arguments: [template.rawValue, record.id.rawValue, Self.templateSchemaVersion, Data(box), now])
                    if position == 0 { CrashPoint.hit("enrol.in-transaction") }
                }
                try inTransaction?(db, record, index)
            }
        }
        for ((record, _, _, _), subject) in zip(rows, subjects) {
            for (template, embedding) in zip(record.templates, subject.embeddings) {
                gallery.add(subject: record.id, template: template, descriptor: embedding)
            }
        }
        notifyChange()
        return rows.map(\.0)
    }

    /// Calls `observer` after each enrolment or erasure committed by this process, on
    /// the thread that made it: it must only signal, never block.
    public func observeChanges(_ observer: @escaping @Sendable () -> Void) {
        changeObservers.withLock { $0.append(observer) }
    }

    /// Tells the observers of a change to what a subject's copy carries made outside
    /// the vault's own paths (a panel credential issued).
    public func notifyChange() {
        for observer in changeObservers.withLock({ $0 }) { observer() }
    }

    // MARK: Forgetting

    /// The one way anything is forgotten: an erasure (the subject's key, templates
    /// and profile, and through the companion everything linked to them) or a
    /// withdrawal of purposes. The entry is journaled (and the current key epoch
    /// given its deadline) before the database is touched, so a crash anywhere is
    /// finished at the next open; then one transaction runs the vault's and the
    /// companion's part, the WAL is truncated so no old page survives in the
    /// database's files, and the gallery and the companion forget the subject.
    public func forget(_ entry: ErasureJournal.Entry) throws {
        if entry.erasesSubject {
            let held = try read { db in
                try self.rowExists(entry.subject, in: db) || !self.companion.subjectsHeld(among: [entry.subject], in: db).isEmpty
            }
            guard held else {
                throw VaultError(.notFound, "no subject \(entry.subject) in the vault; list subjects with `facegate subjects`")
            }
            try keys.noteErasure(at: entry.at, retention: backupRetention.withLock { $0 })
        }
        try journal.append(entry)
        CrashPoint.hit("erase.after-journal")
        do {
            try finish(entry, replayed: false)
        } catch let error as VaultError where error.code == .storageFailure {
            // The journal holds it: it is not lost, only unfinished.
            throw VaultError(
                .storageFailure,
                "\(error.message.split(separator: ";").first.map(String.init) ?? error.message); the erasure is recorded in the journal and is completed as soon as there is room: at the next command or door decision"
            )
        }
    }

    private func finish(_ entry: ErasureJournal.Entry, replayed: Bool) throws {
        let done = try write { db -> Bool in
            if entry.erasesSubject {
                // Checked again inside the transaction: two erasures of one subject at
                // once (or a replay racing one) record it once.
                guard try self.rowExists(entry.subject, in: db) || !self.companion.subjectsHeld(among: [entry.subject], in: db).isEmpty
                else {
                    return false
                }
                try Self.deleteRows(of: entry.subject, in: db)
                CrashPoint.hit("erase.in-transaction")
                try self.companion.erase(entry, replayed: replayed, in: db)
            } else {
                try self.companion.withdraw(entry, replayed: replayed, in: db)
            }
            return true
        }
        guard done else { return }
        CrashPoint.hit("erase.before-checkpoint")
        try truncateWAL()
        if entry.erasesSubject { gallery.remove(entry.subject) }
        companion.didForget(entry)
        notifyChange()
        if entry.erasesSubject {
            logger.info(
                "subject erased", metadata: ["vault.templates_in_gallery": "\(gallery.templateCount)", "vault.replayed": "\(replayed)"])
        }
    }

    private static func deleteRows(of subject: SubjectID, in db: Database) throws {
        try db.execute(sql: "DELETE FROM template WHERE subject_id = ?", arguments: [subject.rawValue])
        try db.execute(sql: "DELETE FROM subject WHERE id = ?", arguments: [subject.rawValue])
    }

    /// The subjects the erasure journal has erased (they must never come back).
    public func erasedSubjects() throws -> Set<SubjectID> {
        Set(try journalEntries().filter(\.erasesSubject).map(\.subject))
    }

    /// The journal's erasures of whole subjects, oldest first, one per subject: what a
    /// door of a fleet owes its hub (and gives again to a hub restored from a backup).
    public func journaledErasures() throws -> [(subject: SubjectID, reason: String, at: Double)] {
        var seen = Set<SubjectID>()
        return try journalEntries().compactMap { entry in
            guard case .subject(let reason) = entry.scope, seen.insert(entry.subject).inserted else { return nil }
            return (entry.subject, reason, entry.at)
        }
    }

    /// Every purpose this door's journal withdrew from a subject it kept: the partial
    /// withdrawals it owes a fleet's hub, one per subject and purpose.
    public func journaledWithdrawals() throws -> [(subject: SubjectID, purpose: String, at: Double)] {
        var seen = Set<String>()
        var withdrawals: [(subject: SubjectID, purpose: String, at: Double)] = []
        for entry in try journalEntries() {
            guard case .purposes(let purposes) = entry.scope else { continue }
            for purpose in purposes where seen.insert(entry.subject.rawValue + "|" + purpose).inserted {
                withdrawals.append((entry.subject, purpose, entry.at))
            }
        }
        return withdrawals
    }

    /// Re-applies what the erasure journal holds and the database does not reflect
    /// yet: erasures a crash cut short, those a restored backup predates, and those
    /// another process made while this one runs. Cheap when nothing changed (one
    /// `stat`), so the door calls it before each decision. Returns the subjects
    /// erased now.
    @discardableResult
    public func catchUpWithJournal() throws -> [SubjectID] {
        guard journal.size != journalPosition.withLock({ $0.offset }) else { return [] }
        let erased = try journalPosition.withLock { position in try catchUp(from: &position) }
        damage.withLock { $0 = nil }
        return erased
    }

    private func catchUp(from position: inout ErasureJournal.Position) throws -> [SubjectID] {
        let (entries, end) = try journalEntries(after: position)
        var erased: [SubjectID] = []
        if !entries.isEmpty {
            let candidates = Set(entries.filter(\.erasesSubject).map(\.subject))
            var held = try read { db in
                try candidates.filter { try self.rowExists($0, in: db) }.reduce(into: Set<SubjectID>()) { $0.insert($1) }
                    .union(try self.companion.subjectsHeld(among: candidates, in: db))
            }
            for entry in entries {
                if entry.erasesSubject {
                    guard held.remove(entry.subject) != nil else { continue }
                    // No new key deadline: `forget` set it before it wrote the entry.
                    try finish(entry, replayed: true)
                    erased.append(entry.subject)
                } else if try exists(entry.subject) {
                    try finish(entry, replayed: true)
                }
            }
        }
        position = end
        if !erased.isEmpty {
            logger.notice("finished erasures recorded in the journal", metadata: ["vault.erasures_finished": "\(erased.count)"])
        }
        return erased
    }

    /// Writes back into the journal the erasures the companion has on record (the
    /// audit log, which a restore never rolls back) of subjects the database still
    /// holds and the journal does not name: the replay then erases them again.
    private func healJournal() throws {
        let onRecord = try read { db in try companion.erasuresOnRecord(in: db) }
        guard !onRecord.isEmpty else { return }
        let journaled = try erasedSubjects()
        let missing = try read { db in
            try onRecord.filter { entry in
                guard !journaled.contains(entry.subject) else { return false }
                if try rowExists(entry.subject, in: db) { return true }
                return try !companion.subjectsHeld(among: [entry.subject], in: db).isEmpty
            }
        }
        guard !missing.isEmpty else { return }
        try journal.restore(missing)
        logger.error(
            "the erasure journal lacked erasures the audit log records; they were written back and are applied again",
            metadata: ["vault.erasures_restored": "\(missing.count)"])
    }

    /// The journal's entries after `position`, a damaged journal reported as
    /// `journalDamaged` (what to do is in the message).
    private func journalEntries(after position: ErasureJournal.Position) throws -> (
        entries: [ErasureJournal.Entry], end: ErasureJournal.Position
    ) {
        do {
            return try journal.entries(after: position)
        } catch let damage as ErasureJournal.Damage {
            throw reportJournalDamage(damage)
        }
    }

    /// Records the damage as a breach (through the companion; a failure to record it
    /// is logged) and returns the error that stops whatever met it.
    private func reportJournalDamage(_ damage: ErasureJournal.Damage) -> VaultError {
        self.damage.withLock { $0 = damage.reason }
        do { try companion.journalDamaged(line: damage.line, reason: damage.reason, path: journal.path) } catch {
            logger.error("the erasure journal is damaged and the breach event could not be written", metadata: ["error": "\(error)"])
        }
        logger.error(
            "the erasure journal is damaged", metadata: ["vault.journal": "\(journal.path)", "vault.journal_line": "\(damage.line)"])
        return Self.journalDamaged(damage, path: journal.path)
    }

    private func journalEntries() throws -> [ErasureJournal.Entry] {
        try journalEntries(after: .start).entries
    }

    static func journalDamaged(_ damage: ErasureJournal.Damage, path: String) -> VaultError {
        let place = damage.line > 0 ? "at line \(damage.line)" : "at its end"
        return VaultError(
            .journalDamaged,
            "the erasure journal '\(path)' is damaged \(place): \(damage.reason). An erased person could come back, so nothing is opened. Put back an intact copy of the key directory's 'erasures' file (from the recovery kit), or run `facegate keys accept-damaged-journal`, which keeps the damaged lines aside for the DPO and erases every subject they still name"
        )
    }

    /// At every open: a journal of the first releases (no checksums) is sealed, unless
    /// this database has seen a sealed one (then checksums were stripped: damage); the
    /// whole journal is then read with its checksums. Damage is a breach event
    /// (through the companion) and stops the open.
    private func checkJournal() throws {
        let sealedBefore = try read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM vault_meta WHERE key = 'journal_sealed'") ?? false
        }
        if try journal.isUnsealed() {
            guard !sealedBefore else {
                throw reportJournalDamage(.init(line: 1, reason: "it has lost its checksums (this database has seen them)"))
            }
            try journal.seal(at: clock.now())
            logger.notice("the erasure journal was sealed with checksums", metadata: ["vault.journal": "\(journal.path)"])
        }
        _ = try journalEntries()
        // Its end: the head says how far the journal reached when last written.
        let head: ErasureJournal.Head?
        do { head = try journal.readHead() } catch let damage as ErasureJournal.Damage { throw reportJournalDamage(damage) }
        if let head {
            if let shortfall = try journal.shortfall(against: head) { throw reportJournalDamage(.init(line: 0, reason: shortfall)) }
        } else if sealedBefore {
            throw reportJournalDamage(
                .init(line: 0, reason: "its head record (\(journal.headPath)) is missing: the journal was removed or replaced"))
        }
        // A journal written past its head (a crash between the line and the head) is
        // recorded as it now is.
        let (_, end) = try journalEntries(after: .start)
        if head?.size != end.offset { try journal.writeHead(size: end.offset, mac: end.chain) }
        if !sealedBefore {
            try write { db in try db.execute(sql: "INSERT OR IGNORE INTO vault_meta (key, value) VALUES ('journal_sealed', X'01')") }
        }
    }

    /// Reads the erasure journal of `keys`' directory with its checksums, before a
    /// vault is opened (a restore checks it before replacing anything): throws
    /// `journalDamaged` when it is damaged. A journal of the first releases passes (the
    /// open seals it, or refuses it if the database has seen a sealed one).
    public static func checkJournal(keys: KeyRing) throws {
        let journal = ErasureJournal(path: keys.directory.erasureJournalPath, key: keys.journalKey)
        guard try !journal.isUnsealed() else { return }
        do {
            _ = try journal.entries()
            if let head = try journal.readHead() {
                if let shortfall = try journal.shortfall(against: head) { throw ErasureJournal.Damage(line: 0, reason: shortfall) }
            } else if journal.size > 0 {
                throw ErasureJournal.Damage(line: 0, reason: "its head record (\(journal.headPath)) is missing")
            }
        } catch let damage as ErasureJournal.Damage {
            throw journalDamaged(damage, path: journal.path)
        }
    }

    /// Accepts a damaged journal (`facegate keys accept-damaged-journal`): its damaged
    /// lines are kept aside for the DPO and read as the erasure of every subject they
    /// still name; the journal is sealed again. Returns the damaged line numbers and
    /// text, and the file that keeps them (nothing when the journal is sound); the
    /// caller then erases `subjects(nearlyNamedIn:)` of that text once the vault is open.
    public static func acceptJournalDamage(keys: KeyRing, at time: Double) throws -> (
        lines: [Int], text: [String], keptIn: String, shortfall: String?
    ) {
        let journal = ErasureJournal(path: keys.directory.erasureJournalPath, key: keys.journalKey)
        if try journal.isUnsealed() { try journal.seal(at: time) }
        return try journal.acceptDamage(at: time)
    }

    /// The subjects held here whose pseudonym a damaged journal line shows with at most
    /// two characters changed: what that line most likely erased.
    public func subjects(nearlyNamedIn lines: [String]) throws -> [SubjectID] {
        let held = try subjects().map(\.id)
        return Array(Set(lines.flatMap { ErasureJournal.subjects(held, nearlyNamedIn: $0) })).sorted { $0.rawValue < $1.rawValue }
    }

    /// The first releases kept the erasure journal beside the database
    /// (`facegate.sqlite.erasures`); its entries move to the key directory, once.
    private func adoptLegacyJournal() throws {
        let legacy = ErasureJournal(path: path + ".erasures", key: nil)
        guard legacy.size > 0 else { return }
        let known = try erasedSubjects()
        for entry in try legacy.entries().entries where !known.contains(entry.subject) {
            try journal.append(entry)
        }
        unlink(legacy.path)
        logger.notice("the erasure journal moved to the key directory", metadata: ["vault.journal": "\(journal.path)"])
    }

    /// Copies every WAL frame into the database and truncates the WAL to zero bytes,
    /// so that no old page (of an erased subject, of purged events) survives in it.
    public func truncateWAL() throws {
        for attempt in 0..<50 {
            do {
                let result = try database.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
                if result.walFrameCount == result.checkpointedFrameCount { return }
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                // Another connection is reading: wait for it.
            } catch {
                throw VaultDatabase.translate(error, path: path)
            }
            usleep(UInt32(min(100_000, 2_000 * (attempt + 1))))
        }
        throw VaultError(
            .storageFailure,
            "the write-ahead log of '\(path)' could not be truncated: another process keeps reading the database; stop it and run `facegate purge` again"
        )
    }

    // MARK: Reading

    public func exists(_ subject: SubjectID) throws -> Bool {
        try read { db in try rowExists(subject, in: db) }
    }

    /// Whether `subject` is held, inside the caller's transaction.
    public func exists(_ subject: SubjectID, in db: Database) throws -> Bool {
        try rowExists(subject, in: db)
    }

    func rowExists(_ subject: SubjectID, in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM subject WHERE id = ?)", arguments: [subject.rawValue]) ?? false
    }

    /// Every subject's id, and those whose templates expire by `time`.
    public func subjectIDs(expiringBy time: Double) throws -> (all: Set<SubjectID>, expiring: Set<SubjectID>) {
        try read { db in
            var all = Set<SubjectID>(), expiring = Set<SubjectID>()
            let rows = try Row.fetchCursor(db, sql: "SELECT id, expires_at FROM subject")
            while let row = try rows.next() {
                let id = SubjectID(unchecked: row[0])
                all.insert(id)
                let expiresAt: Double = row[1]
                if !(expiresAt > time) { expiring.insert(id) }
            }
            return (all, expiring)
        }
    }

    /// How many subjects and templates the database holds.
    public func counts() throws -> (subjects: Int, templates: Int) {
        try read { db in
            let row = try Row.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM subject), (SELECT COUNT(*) FROM template)")
            return (row?[0] ?? 0, row?[1] ?? 0)
        }
    }

    public func subjects() throws -> [SubjectSummary] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.id, s.created_at, s.expires_at, COUNT(t.id) AS templates
                    FROM subject s LEFT JOIN template t ON t.subject_id = s.id
                    GROUP BY s.id ORDER BY s.created_at, s.id
                    """
            ).map { row in
                SubjectSummary(
                    id: SubjectID(unchecked: row["id"]), createdAt: row["created_at"], expiresAt: row["expires_at"],
                    templateCount: row["templates"])
            }
        }
    }

    public func summary(of subject: SubjectID) throws -> SubjectSummary {
        guard let found = try subjects().first(where: { $0.id == subject }) else {
            throw VaultError(.notFound, "no subject \(subject) in the vault")
        }
        return found
    }

    /// Decrypts a subject's profile.
    public func profile(of subject: SubjectID) throws -> SubjectProfile {
        try read { db in
            let key = try dataKey(of: subject, in: db)
            guard let sealed = try Data.fetchOne(db, sql: "SELECT personal FROM subject WHERE id = ?", arguments: [subject.rawValue]) else {
                throw VaultError(.notFound, "no subject \(subject) in the vault")
            }
            return try openProfile([UInt8](sealed), subject: subject, key: key)
        }
    }

    // MARK: Personal fields of other modules

    /// Encrypts bytes with a subject's data key, for personal fields kept by other
    /// modules (audit details): erasing the subject makes them unreadable.
    public func sealPersonal(_ plaintext: [UInt8], for subject: SubjectID, purpose: String, in db: Database) throws -> [UInt8] {
        let key = try dataKey(of: subject, in: db)
        return SealedBox.seal(plaintext, key: key, associatedData: AssociatedData.personal(subject, purpose: purpose))
    }

    /// Decrypts what `sealPersonal` sealed; nil once the subject is erased.
    public func openPersonal(_ sealed: [UInt8], for subject: SubjectID, purpose: String, in db: Database) throws -> [UInt8]? {
        guard try rowExists(subject, in: db) else { return nil }
        let key = try dataKey(of: subject, in: db)
        guard let plain = SealedBox.open(sealed, key: key, associatedData: AssociatedData.personal(subject, purpose: purpose)) else {
            throw VaultError(
                .integrityFailure, "a sealed field of subject \(subject) failed authentication: the database was altered",
                affectedSubjects: [subject.rawValue])
        }
        return [UInt8](UnsafeRawBufferPointer(plain.bytes))
    }

    func dataKey(of subject: SubjectID, in db: Database) throws -> SecretKey {
        guard let row = try Row.fetchOne(db, sql: "SELECT wrapped_key, kek_epoch FROM subject WHERE id = ?", arguments: [subject.rawValue])
        else {
            throw VaultError(.notFound, "no subject \(subject) in the vault")
        }
        return try unwrapKey(subject: subject, wrapped: [UInt8](row["wrapped_key"] as Data), epoch: row["kek_epoch"])
    }

    // MARK: Transactions

    /// Runs `body` in a write transaction, translating SQLite failures.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try database.write(body)
        } catch let error as DatabaseError {
            throw VaultDatabase.translate(error, path: path)
        }
    }

    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try database.read(body)
        } catch let error as DatabaseError {
            throw VaultDatabase.translate(error, path: path)
        }
    }

    // MARK: Keys and sealing

    private func verifyKEK() throws {
        let check = try read { db in try Data.fetchOne(db, sql: "SELECT value FROM vault_meta WHERE key = 'kek_check'") }
        if let check {
            guard SealedBox.open([UInt8](check), key: keys.root, associatedData: AssociatedData.kekCheck) != nil else {
                throw VaultError(
                    .wrongKey,
                    "the key-encryption key does not open '\(path)': this database was created with another key directory. Use that key directory (or its systemd credential); nothing was changed"
                )
            }
            return
        }
        let subjects = try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subject") ?? 0 }
        guard subjects == 0 else {
            throw VaultError(.corruptDatabase, "'\(path)' holds subjects but no key check: it is damaged; restore a backup")
        }
        let sealed = SealedBox.seal(AssociatedData.kekCheckPlaintext, key: keys.root, associatedData: AssociatedData.kekCheck)
        try write { db in
            try db.execute(sql: "INSERT INTO vault_meta (key, value) VALUES ('kek_check', ?)", arguments: [Data(sealed)])
        }
    }

    func unwrapKey(subject: SubjectID, wrapped: [UInt8], epoch: Int) throws -> SecretKey {
        let storage = SecureBuffer(count: SecretKey.byteCount)
        guard
            SealedBox.open(
                wrapped, key: try keys.key(forEpoch: epoch), associatedData: AssociatedData.wrappedKey(subject), into: storage.bytes)
        else {
            throw VaultError(
                .integrityFailure,
                "the wrapped key of subject \(subject) failed authentication: the database was altered or damaged; restore a backup or erase the subject",
                affectedSubjects: [subject.rawValue])
        }
        return SecretKey(storage: storage)
    }

    private func sealProfile(_ profile: SubjectProfile, subject: SubjectID, key: SecretKey) throws -> [UInt8] {
        var plain = [UInt8](try JSONEncoder().encode(profile))
        defer { Sodium.wipe(&plain, plain.count) }
        return SealedBox.seal(plain, key: key, associatedData: AssociatedData.personal(subject, purpose: "profile"))
    }

    func openProfile(_ sealed: [UInt8], subject: SubjectID, key: SecretKey) throws -> SubjectProfile {
        guard let plain = SealedBox.open(sealed, key: key, associatedData: AssociatedData.personal(subject, purpose: "profile")) else {
            throw VaultError(
                .integrityFailure, "the profile of subject \(subject) failed authentication: the database was altered or damaged",
                affectedSubjects: [subject.rawValue])
        }
        return try JSONDecoder().decode(SubjectProfile.self, from: Data(UnsafeRawBufferPointer(plain.bytes)))
    }
}
