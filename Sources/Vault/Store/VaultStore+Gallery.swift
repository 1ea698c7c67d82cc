public import FacegateCore
import FoundationEssentials
import GRDB
import Logging

extension VaultStore {
    /// Decrypts every template into the gallery (replacing its contents). A template
    /// that fails authentication stops the load: the error lists every affected
    /// subject, and the database is left exactly as it was.
    public func loadGallery() throws {
        gallery.removeAll()
        let dimensions = FaceDescriptor.dimensions
        // One secure scratch key and one embedding buffer reused for every row: a
        // sodium_malloc per subject would cost more than the decryption itself.
        let keyStorage = SecureBuffer(count: SecretKey.byteCount)
        let key = SecretKey(storage: keyStorage)
        let embedding = SecureBuffer(count: dimensions * MemoryLayout<Float>.stride)
        var failures = Set<String>()
        try read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM template") ?? 0
            gallery.reserve(capacity: total)
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT t.subject_id, s.wrapped_key, t.id, t.schema_version, t.sealed, s.kek_epoch
                    FROM template t JOIN subject s ON s.id = t.subject_id
                    ORDER BY t.subject_id
                    """)
            var current: String?
            var keyIsValid = false
            while let row = try rows.next() {
                let subjectText: String = row[0]
                let subject = SubjectID(unchecked: subjectText)
                if subjectText != current {
                    current = subjectText
                    let kek = try keys.key(forEpoch: row[5])
                    keyIsValid = try row.withUnsafeData(atIndex: 1) { wrapped in
                        (wrapped ?? Data()).withUnsafeBytes {
                            SealedBox.open($0, key: kek, associatedData: AssociatedData.wrappedKey(subject), into: keyStorage.bytes)
                        }
                    }
                    if !keyIsValid { failures.insert(subjectText) }
                }
                guard keyIsValid else { continue }
                let template = TemplateID(rawValue: row[2])
                let version: Int = row[3]
                let opened = try row.withUnsafeData(atIndex: 4) { sealed in
                    (sealed ?? Data()).withUnsafeBytes {
                        SealedBox.open(
                            $0, key: key, associatedData: AssociatedData.template(subject, template, schemaVersion: version),
                            into: embedding.bytes)
                    }
                }
                guard opened, version == Self.templateSchemaVersion else {
                    failures.insert(subjectText)
                    continue
                }
                gallery.add(
                    subject: subject, template: template,
                    values: UnsafeBufferPointer(start: embedding.base.assumingMemoryBound(to: Float.self), count: dimensions))
            }
        }
        embedding.wipe()
        keyStorage.wipe()
        guard failures.isEmpty else {
            gallery.removeAll()
            let affected = failures.sorted()
            throw VaultError(
                .integrityFailure,
                "\(affected.count) subject(s) have data that failed authentication (altered, moved or damaged ciphertext): \(affected.joined(separator: ", ")). Nothing was changed; restore a backup or erase these subjects with `facegate erase`",
                affectedSubjects: affected)
        }
        logger.info(
            "gallery loaded", metadata: ["vault.templates": "\(gallery.templateCount)", "vault.subjects": "\(gallery.subjectCount)"])
    }
}

extension VaultStore {
    /// Decrypts one subject's templates (a door sealing a copy for the fleet's hub).
    /// The caller owns the descriptors, which wipe themselves when released.
    public func descriptors(of subject: SubjectID) throws -> [FaceDescriptor] {
        try read { db in
            let key = try dataKey(of: subject, in: db)
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, schema_version, sealed FROM template WHERE subject_id = ? ORDER BY created_at, id",
                arguments: [subject.rawValue])
            return try rows.map { row in
                let template = TemplateID(rawValue: row[0])
                let version: Int = row[1]
                let sealed = [UInt8](row[2] as Data)
                guard version == Self.templateSchemaVersion,
                    let plain = SealedBox.open(
                        sealed, key: key, associatedData: AssociatedData.template(subject, template, schemaVersion: version)),
                    plain.count == FaceDescriptor.dimensions * MemoryLayout<Float>.stride
                else {
                    throw VaultError(
                        .integrityFailure, "a template of subject \(subject) failed authentication: the database was altered or damaged",
                        affectedSubjects: [subject.rawValue])
                }
                return FaceDescriptor(copying: UnsafeRawPointer(plain.base).assumingMemoryBound(to: Float.self))
            }
        }
    }
}
