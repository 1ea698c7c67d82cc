public import FacegateCore
import FoundationEssentials
public import GRDB

extension VaultStore {
    /// Adds templates to an enrolled subject (an admin adding photos of a member the
    /// door often misses), sealed with that subject's own key, in one transaction;
    /// `inTransaction` runs in it (the audit entry). The subject's consent record and
    /// expiry are untouched. Returns the new templates' ids.
    public func addTemplates(
        _ embeddings: [FaceDescriptor], to subject: SubjectID, inTransaction: ((Database) throws -> Void)? = nil
    ) throws -> [TemplateID] {
        guard !embeddings.isEmpty else { throw VaultError(.invalidArgument, "adding photos needs at least one face template") }
        let now = clock.now()
        let templates = embeddings.map { _ in TemplateID.random() }
        try write { db in
            let key = try dataKey(of: subject, in: db)
            for (template, embedding) in zip(templates, embeddings) {
                let sealed = embedding.withUnsafeValues { values in
                    SealedBox.seal(
                        UnsafeRawBufferPointer(values), key: key,
                        associatedData: AssociatedData.template(subject, template, schemaVersion: Self.templateSchemaVersion))
                }
                try db.execute(
                    sql: "INSERT INTO template (id, subject_id, schema_version, sealed, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [template.rawValue, subject.rawValue, Self.templateSchemaVersion, Data(sealed), now])
            }
            try inTransaction?(db)
        }
        for (template, embedding) in zip(templates, embeddings) {
            gallery.add(subject: subject, template: template, descriptor: embedding)
        }
        notifyChange()
        return templates
    }
}
