import FacegateCore
import GRDB
import FoundationEssentials

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
    public func verifyCiphertexts(includeTemplates: Bool, sealed: [SubjectID: [(purpose: String, bytes: [UInt8])]] = [:]) throws -> [CiphertextFailure] {
        var failures: [CiphertextFailure] = []
        let scratch = SecureBuffer(count: SecretKey.byteCount)
        let key = SecretKey(storage: scratch)
        let embedding = SecureBuffer(count: FaceDescriptor.dimensions * MemoryLayout<Float>.stride)
        defer {
            scratch.wipe()
            embedding.wipe()
        }
        try read { db in
            let subjects = try Row.fetchCursor(db, sql: "SELECT id, wrapped_key, kek_epoch, personal FROM subject ORDER BY id")
            while let row = try subjects.next() {
                let subject = SubjectID(unchecked: row["id"])
                let wrapped = [UInt8](row["wrapped_key"] as Data)
                guard let kek = try? keys.key(forEpoch: row["kek_epoch"]),
                    SealedBox.open(wrapped, key: kek, associatedData: AssociatedData.wrappedKey(subject), into: scratch.bytes)
                else {
                    failures.append(CiphertextFailure(subject: subject, field: "wrapped_key"))
                    continue
                }
                let profile = [UInt8](row["personal"] as Data)
                if SealedBox.open(profile, key: key, associatedData: AssociatedData.personal(subject, purpose: "profile")) == nil {
                    failures.append(CiphertextFailure(subject: subject, field: "profile"))
                }
                for field in sealed[subject] ?? [] where SealedBox.open(field.bytes, key: key, associatedData: AssociatedData.personal(subject, purpose: field.purpose)) == nil {
                    failures.append(CiphertextFailure(subject: subject, field: field.purpose))
                    break
                }
                guard includeTemplates else { continue }
                let templates = try Row.fetchAll(db, sql: "SELECT id, schema_version, sealed FROM template WHERE subject_id = ?", arguments: [subject.rawValue])
                for template in templates {
                    let ad = AssociatedData.template(subject, TemplateID(rawValue: template["id"]), schemaVersion: template["schema_version"])
                    if !SealedBox.open([UInt8](template["sealed"] as Data), key: key, associatedData: ad, into: embedding.bytes) {
                        failures.append(CiphertextFailure(subject: subject, field: "template"))
                        break
                    }
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
