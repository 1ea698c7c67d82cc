public import FacegateCore
public import Vault

extension ConsentRegistry {
    /// Adds templates from new photos to a member with a recognition consent in
    /// force: their consent record is unchanged (the same person, the same purposes,
    /// the same expiry), and the addition is audited (`subject.add_photos`, with the
    /// number of templates and who added them). Returns the new templates' ids.
    public func addPhotos(to subject: SubjectID, embeddings: [FaceDescriptor], by staff: OSUser) throws -> [TemplateID] {
        guard let consent = activeConsent(of: subject) else {
            throw ConsentError(.notFound, "subject \(subject) has no consent in force: photos are added only to a current member")
        }
        return try vault.addTemplates(embeddings, to: subject) { db in
            try self.audit.append(
                actor: staff.name, action: "subject.add_photos", subject: subject,
                details: ["templates": .int(embeddings.count), "consent_record": .string(consent.record)], in: db)
        }
    }
}
