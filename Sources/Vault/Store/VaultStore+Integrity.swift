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

    /// Opens every wrapped key and profile (and every template when asked) and
    /// returns those that fail authentication: altered, moved or damaged. Changes
    /// nothing.
    public func verifyCiphertexts(includeTemplates: Bool) throws -> [CiphertextFailure] {
        var failures: [CiphertextFailure] = []
        let embedding = SecureBuffer(count: FaceDescriptor.dimensions * MemoryLayout<Float>.stride)
        defer { embedding.wipe() }
        try read { db in
            let subjects = try Row.fetchCursor(db, sql: "SELECT id, wrapped_key, kek_epoch, personal FROM subject ORDER BY id")
            while let row = try subjects.next() {
                let subject = SubjectID(unchecked: row["id"])
                guard let key = try? unwrapKey(subject: subject, wrapped: [UInt8](row["wrapped_key"] as Data), epoch: row["kek_epoch"]) else {
                    failures.append(CiphertextFailure(subject: subject, field: "wrapped_key"))
                    continue
                }
                if (try? openProfile([UInt8](row["personal"] as Data), subject: subject, key: key)) == nil {
                    failures.append(CiphertextFailure(subject: subject, field: "profile"))
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
