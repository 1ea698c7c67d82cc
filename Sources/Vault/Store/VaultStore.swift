public import FacegateCore
public import GRDB
public import Logging
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The encrypted template store: subjects with wrapped data keys and encrypted
/// profiles, their encrypted templates, the erasure journal and the in-memory
/// gallery, kept in step.
///
/// A stolen database reveals nothing without the KEK; an erased subject's key and
/// rows are deleted and the WAL truncated in the same call, so neither the file nor
/// a backup restored later can bring them back.
public final class VaultStore: @unchecked Sendable {
    /// The layout of a sealed template (128 little-endian Float32). Bound into the
    /// associated data, so a future layout cannot be mistaken for this one.
    public static let templateSchemaVersion = 1

    public let path: String
    /// The database, shared with the modules whose tables live beside the vault's
    /// (consent, audit) so that one transaction can cover both.
    public let database: DatabaseQueue
    public let gallery: Gallery
    let kek: SecretKey
    let journal: ErasureJournal
    let clock: any WallClock
    let logger: Logger

    /// Called inside the transaction that finishes an erasure a crash cut short, so
    /// that other modules can record it.
    public typealias RecoveryHook = @Sendable (Database, SubjectID) throws -> Void

    /// Opens (creating if needed) the vault at `path`: runs migrations, checks the KEK
    /// against the database, finishes interrupted erasures, replays the erasure
    /// journal, truncates the WAL and, when `loadGallery` is set, decrypts every
    /// template into the gallery.
    public static func open(
        path: String,
        kek: SecretKey,
        clock: any WallClock = SystemWallClock(),
        logger: Logger,
        loadGallery: Bool = true,
        migrations: @Sendable (inout DatabaseMigrator) -> Void = { _ in },
        onRecoveredErasure: RecoveryHook? = nil
    ) throws -> VaultStore {
        let queue = try VaultDatabase.openQueue(path: path)
        try VaultDatabase.migrate(queue, path: path, extra: migrations)
        let store = VaultStore(path: path, database: queue, kek: kek, clock: clock, logger: logger)
        try store.verifyKEK()
        try store.replayErasureJournal(onRecoveredErasure)
        try store.truncateWAL()
        if loadGallery { try store.loadGallery() }
        return store
    }

    private init(path: String, database: DatabaseQueue, kek: SecretKey, clock: any WallClock, logger: Logger) {
        self.path = path
        self.database = database
        self.kek = kek
        self.clock = clock
        self.logger = logger
        self.gallery = Gallery()
        self.journal = ErasureJournal(path: path + ".erasures")
    }

    // MARK: Enrolment

    /// Creates a subject with its templates in one transaction; `inTransaction` runs
    /// inside it (the consent record and the audit entry are written there), so that
    /// either everything is stored or nothing is. The gallery is updated after commit.
    public func enrol(
        profile: SubjectProfile,
        embeddings: [FaceDescriptor],
        expiresAt: Double,
        inTransaction: ((Database, EnrolledSubject) throws -> Void)? = nil
    ) throws -> EnrolledSubject {
        guard !embeddings.isEmpty else {
            throw VaultError(.invalidArgument, "an enrolment needs at least one face template")
        }
        let now = clock.now()
        let subject = SubjectID.random()
        let dataKey = SecretKey.random()
        let wrapped = SealedBox.seal(UnsafeRawBufferPointer(dataKey.storage.bytes), key: kek, associatedData: AssociatedData.wrappedKey(subject))
        let personal = try sealProfile(profile, subject: subject, key: dataKey)
        let templates = embeddings.map { _ in TemplateID.random() }
        let sealed = zip(templates, embeddings).map { template, embedding in
            embedding.withUnsafeValues { values in
                SealedBox.seal(
                    UnsafeRawBufferPointer(values), key: dataKey,
                    associatedData: AssociatedData.template(subject, template, schemaVersion: Self.templateSchemaVersion))
            }
        }
        let enrolled = EnrolledSubject(id: subject, templates: templates, createdAt: now, expiresAt: expiresAt)
        try write { db in
            try db.execute(
                sql: "INSERT INTO subject (id, wrapped_key, personal, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [subject.rawValue, Data(wrapped), Data(personal), now, expiresAt])
            for (index, template) in templates.enumerated() {
                try db.execute(
                    sql: "INSERT INTO template (id, subject_id, schema_version, sealed, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [template.rawValue, subject.rawValue, Self.templateSchemaVersion, Data(sealed[index]), now])
                if index == 0 { CrashPoint.hit("enrol.in-transaction") }
            }
            try inTransaction?(db, enrolled)
        }
        for (template, embedding) in zip(templates, embeddings) {
            gallery.add(subject: subject, template: template, descriptor: embedding)
        }
        return enrolled
    }

    /// Enrols many subjects in one transaction: for imports and benchmarks, where a
    /// transaction (and an fsync) per subject would dominate.
    public func enrolMany(_ subjects: [(profile: SubjectProfile, embeddings: [FaceDescriptor], expiresAt: Double)]) throws -> [EnrolledSubject] {
        let now = clock.now()
        var enrolled: [EnrolledSubject] = []
        var rows: [(EnrolledSubject, [UInt8], [UInt8], [[UInt8]])] = []
        for subject in subjects {
            let id = SubjectID.random()
            let dataKey = SecretKey.random()
            let wrapped = SealedBox.seal(UnsafeRawBufferPointer(dataKey.storage.bytes), key: kek, associatedData: AssociatedData.wrappedKey(id))
            let personal = try sealProfile(subject.profile, subject: id, key: dataKey)
            let templates = subject.embeddings.map { _ in TemplateID.random() }
            let sealed = zip(templates, subject.embeddings).map { template, embedding in
                embedding.withUnsafeValues { values in
                    SealedBox.seal(
                        UnsafeRawBufferPointer(values), key: dataKey,
                        associatedData: AssociatedData.template(id, template, schemaVersion: Self.templateSchemaVersion))
                }
            }
            let record = EnrolledSubject(id: id, templates: templates, createdAt: now, expiresAt: subject.expiresAt)
            rows.append((record, wrapped, personal, sealed))
            enrolled.append(record)
        }
        try write { db in
            for (record, wrapped, personal, sealed) in rows {
                try db.execute(
                    sql: "INSERT INTO subject (id, wrapped_key, personal, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [record.id.rawValue, Data(wrapped), Data(personal), now, record.expiresAt])
                for (template, box) in zip(record.templates, sealed) {
                    try db.execute(
                        sql: "INSERT INTO template (id, subject_id, schema_version, sealed, created_at) VALUES (?, ?, ?, ?, ?)",
                        arguments: [template.rawValue, record.id.rawValue, Self.templateSchemaVersion, Data(box), now])
                }
            }
        }
        for (record, subject) in zip(enrolled, subjects) {
            for (template, embedding) in zip(record.templates, subject.embeddings) {
                gallery.add(subject: record.id, template: template, descriptor: embedding)
            }
        }
        return enrolled
    }

    // MARK: Erasure

    /// Erases a subject for good: the wrapped data key and every row go in one
    /// transaction (with whatever `inTransaction` adds), then the WAL is truncated so
    /// that no old page survives in the database's files, then the gallery forgets
    /// the subject. Journaled first, so a crash anywhere is finished at the next open.
    public func erase(_ subject: SubjectID, inTransaction: ((Database) throws -> Void)? = nil) throws {
        guard try exists(subject) else {
            throw VaultError(.notFound, "no subject \(subject) in the vault; list subjects with `facegate subjects`")
        }
        try journal.append(subject, at: clock.now())
        CrashPoint.hit("erase.after-journal")
        try write { db in
            try Self.deleteRows(of: subject, in: db)
            CrashPoint.hit("erase.in-transaction")
            try inTransaction?(db)
        }
        CrashPoint.hit("erase.before-checkpoint")
        try truncateWAL()
        gallery.remove(subject)
        logger.info("subject erased", metadata: ["vault.templates_in_gallery": "\(gallery.templateCount)"])
    }

    private static func deleteRows(of subject: SubjectID, in db: Database) throws {
        try db.execute(sql: "DELETE FROM template WHERE subject_id = ?", arguments: [subject.rawValue])
        try db.execute(sql: "DELETE FROM subject WHERE id = ?", arguments: [subject.rawValue])
    }

    private func replayErasureJournal(_ hook: RecoveryHook?) throws {
        let erased = try journal.subjects()
        guard !erased.isEmpty else { return }
        var finished = 0
        try write { db in
            for subject in Set(erased) {
                let present = try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM subject WHERE id = ?)", arguments: [subject.rawValue]) ?? false
                guard present else { continue }
                try Self.deleteRows(of: subject, in: db)
                try hook?(db, subject)
                finished += 1
            }
        }
        if finished > 0 {
            logger.notice("finished erasures recorded in the journal", metadata: ["vault.erasures_finished": "\(finished)"])
        }
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
        throw VaultError(.storageFailure, "the write-ahead log of '\(path)' could not be truncated: another process keeps reading the database; stop it and run `facegate purge` again")
    }

    // MARK: Reading

    public func exists(_ subject: SubjectID) throws -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM subject WHERE id = ?)", arguments: [subject.rawValue]) ?? false
        }
    }

    public func subjects() throws -> [SubjectSummary] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.id, s.created_at, s.expires_at, COUNT(t.id) AS templates
                FROM subject s LEFT JOIN template t ON t.subject_id = s.id
                GROUP BY s.id ORDER BY s.created_at, s.id
                """).map { row in
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
            guard let row = try Row.fetchOne(db, sql: "SELECT wrapped_key, personal FROM subject WHERE id = ?", arguments: [subject.rawValue]) else {
                throw VaultError(.notFound, "no subject \(subject) in the vault")
            }
            let key = try unwrapKey(subject: subject, wrapped: [UInt8](row["wrapped_key"] as Data))
            return try openProfile([UInt8](row["personal"] as Data), subject: subject, key: key)
        }
    }

    /// Changes when a subject's templates expire (a renewed consent).
    public func setExpiry(_ subject: SubjectID, expiresAt: Double, in db: Database) throws {
        try db.execute(sql: "UPDATE subject SET expires_at = ? WHERE id = ?", arguments: [expiresAt, subject.rawValue])
        guard db.changesCount == 1 else { throw VaultError(.notFound, "no subject \(subject) in the vault") }
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
        guard let key = try? dataKey(of: subject, in: db) else { return nil }
        guard let plain = SealedBox.open(sealed, key: key, associatedData: AssociatedData.personal(subject, purpose: purpose)) else {
            throw VaultError(.integrityFailure, "a sealed field of subject \(subject) failed authentication: the database was altered", affectedSubjects: [subject.rawValue])
        }
        return [UInt8](UnsafeRawBufferPointer(plain.bytes))
    }

    private func dataKey(of subject: SubjectID, in db: Database) throws -> SecretKey {
        guard let wrapped = try Data.fetchOne(db, sql: "SELECT wrapped_key FROM subject WHERE id = ?", arguments: [subject.rawValue]) else {
            throw VaultError(.notFound, "no subject \(subject) in the vault")
        }
        return try unwrapKey(subject: subject, wrapped: [UInt8](wrapped))
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
            guard SealedBox.open([UInt8](check), key: kek, associatedData: AssociatedData.kekCheck) != nil else {
                throw VaultError(.wrongKey, "the key-encryption key does not open '\(path)': this database was created with another key directory. Use that key directory (or its systemd credential); nothing was changed")
            }
            return
        }
        let subjects = try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subject") ?? 0 }
        guard subjects == 0 else {
            throw VaultError(.corruptDatabase, "'\(path)' holds subjects but no key check: it is damaged; restore a backup")
        }
        let sealed = SealedBox.seal(AssociatedData.kekCheckPlaintext, key: kek, associatedData: AssociatedData.kekCheck)
        try write { db in
            try db.execute(sql: "INSERT INTO vault_meta (key, value) VALUES ('kek_check', ?)", arguments: [Data(sealed)])
        }
    }

    func unwrapKey(subject: SubjectID, wrapped: [UInt8]) throws -> SecretKey {
        let storage = SecureBuffer(count: SecretKey.byteCount)
        guard SealedBox.open(wrapped, key: kek, associatedData: AssociatedData.wrappedKey(subject), into: storage.bytes) else {
            throw VaultError(.integrityFailure, "the wrapped key of subject \(subject) failed authentication: the database was altered or damaged; restore a backup or erase the subject", affectedSubjects: [subject.rawValue])
        }
        return SecretKey(storage: storage)
    }

    private func sealProfile(_ profile: SubjectProfile, subject: SubjectID, key: SecretKey) throws -> [UInt8] {
        var plain = [UInt8](try JSONEncoder().encode(profile))
        defer { Sodium.wipe(&plain, plain.count) }
        return SealedBox.seal(plain, key: key, associatedData: AssociatedData.personal(subject, purpose: "profile"))
    }

    private func openProfile(_ sealed: [UInt8], subject: SubjectID, key: SecretKey) throws -> SubjectProfile {
        guard let plain = SealedBox.open(sealed, key: key, associatedData: AssociatedData.personal(subject, purpose: "profile")) else {
            throw VaultError(.integrityFailure, "the profile of subject \(subject) failed authentication: the database was altered or damaged", affectedSubjects: [subject.rawValue])
        }
        return try JSONDecoder().decode(SubjectProfile.self, from: Data(UnsafeRawBufferPointer(plain.bytes)))
    }
}
