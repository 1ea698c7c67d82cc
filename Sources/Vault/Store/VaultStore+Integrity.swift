import FacegateCore
import FoundationEssentials
import GRDB

extension VaultStore {
    /// One ciphertext that failed authentication.
    public struct CiphertextFailure: Sendable, Equatable {
        public var subject: SubjectID
        /// `wrapped_key`, `profile` or `template`.
        public var field: String
    }

    /// Opens every wrapped key and profile, every template when asked, and the
    /// fields other modules sealed with subjects' keys (`sealed`: per subject, the
    /// purpose and the ciphertext), and returns what fails authentication: altered,
    /// moved or damaged. One pass in subject order with one reused key buffer, so
    /// 100,000 subjects take seconds, not minutes. Changes nothing.
    public func verifyCiphertexts(includeTemplates: Bool, sealed: [SubjectID: [(purpose: String, bytes: [UInt8])]] = [:]) throws
        -> [CiphertextFailure]
    {
        var failures: [CiphertextFailure] = []
        let scratch = SecureBuffer(count: SecretKey.byteCount)
        let key = SecretKey(storage: scratch)
        let embedding = SecureBuffer(count: FaceDescriptor.dimensions * MemoryLayout<Float>.stride)
        var plaintext = SecureBuffer(count: 4096)
        defer {
            scratch.wipe()
            embedding.wipe()
        }
        try read { db in
            // One cursor over subjects and their templates, in subject order: the key
            // is unwrapped once per subject, with no query per subject.
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT s.id, s.wrapped_key, s.kek_epoch, s.personal, t.id AS template, t.schema_version, t.sealed
                    FROM subject s LEFT JOIN template t ON t.subject_id = s.id AND ?
                    ORDER BY s.id
                    """, arguments: [includeTemplates])
            var current: String?
            var keyIsValid = false
            var templateFailed = false
            while let row = try rows.next() {
                let id: String = row[0]
                let subject = SubjectID(unchecked: id)
                if id != current {
                    current = id
                    templateFailed = false
                    let wrapped = [UInt8](row[1] as Data)
                    keyIsValid =
                        (try? keys.key(forEpoch: row[2])).map {
                            SealedBox.open(wrapped, key: $0, associatedData: AssociatedData.wrappedKey(subject), into: scratch.bytes)
                        } ?? false
                    guard keyIsValid else {
                        failures.append(CiphertextFailure(subject: subject, field: "wrapped_key"))
                        continue
                    }
                    if !SealedBox.authenticates(
                        [UInt8](row[3] as Data), key: key, associatedData: AssociatedData.personal(subject, purpose: "profile"),
                        scratch: &plaintext)
                    {
                        failures.append(CiphertextFailure(subject: subject, field: "profile"))
                    }
                    for field in sealed[subject] ?? []
                    where !SealedBox.authenticates(
                        field.bytes, key: key, associatedData: AssociatedData.personal(subject, purpose: field.purpose), scratch: &plaintext
                    ) {
                        failures.append(CiphertextFailure(subject: subject, field: field.purpose))
                        break
                    }
                }
                guard keyIsValid, !templateFailed, let template = row["template"] as String? else { continue }
                let ad = AssociatedData.template(subject, TemplateID(rawValue: template), schemaVersion: row["schema_version"])
                if !SealedBox.open([UInt8](row["sealed"] as Data), key: key, associatedData: ad, into: embedding.bytes) {
                    failures.append(CiphertextFailure(subject: subject, field: "template"))
                    templateFailed = true
                }
            }
        }
        return failures
    }

    /// `PRAGMA quick_check`: nil when the database file is sound, else SQLite's report.
    public func databaseProblem() throws -> String? {
        let lines = try read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
        return lines == ["ok"] ? nil : lines.prefix(5).joined(separator: "; ")
    }
}
