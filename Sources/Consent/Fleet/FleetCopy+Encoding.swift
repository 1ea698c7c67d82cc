import FacegateCore
import FoundationEssentials
public import Vault

/// The plaintext a door seals for the hub: JSON, with each template's 128 floats as
/// hex of their little-endian bytes (exact, unlike decimal). Version 1.
extension FleetCopy {
    private struct Payload: Codable {
        var v: Int
        var subject: String
        var profile: SubjectProfile
        var consent: Consent
        var templates: [String]
        /// Absent from copies of doors before the panel link: they decode as before.
        var panel: PanelCredential?
    }

    private struct Consent: Codable {
        var id: String
        var noticeVersion: String
        var noticeSHA256: String
        var purposes: [String]
        var method: String
        var operatorName: String
        var givenAt: Double
        var expiresAt: Double
    }

    /// The bytes to seal. The caller wipes them once sealed.
    public func encoded() throws -> [UInt8] {
        let payload = Payload(
            v: 1, subject: subject.rawValue, profile: profile,
            consent: Consent(
                id: consent.id, noticeVersion: consent.noticeVersion, noticeSHA256: consent.noticeSHA256, purposes: consent.purposes,
                method: consent.method, operatorName: consent.operatorName, givenAt: consent.givenAt, expiresAt: consent.expiresAt),
            templates: descriptors.map { descriptor in
                descriptor.withUnsafeValues { values in Hex.encode(Array(UnsafeRawBufferPointer(values))) }
            }, panel: panelCredential)
        return [UInt8](try JSONEncoder().encode(payload))
    }

    /// A copy from opened bytes, or nil when they are not a version-1 copy of `subject`.
    public init?(decoding bytes: UnsafeRawBufferPointer, subject expected: SubjectID) {
        guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(bytes)), payload.v == 1,
            payload.subject == expected.rawValue
        else { return nil }
        var descriptors: [FaceDescriptor] = []
        for text in payload.templates {
            guard var raw = Hex.decode(text), raw.count == FaceDescriptor.dimensions * MemoryLayout<Float>.stride else { return nil }
            descriptors.append(raw.withUnsafeBytes { FaceDescriptor(copying: $0.baseAddress!.assumingMemoryBound(to: Float.self)) })
            wipeMemory(&raw, raw.count)
        }
        let c = payload.consent
        self.init(
            subject: expected, profile: payload.profile, descriptors: descriptors,
            consent: ConsentRecord(
                id: c.id, subject: expected, noticeVersion: c.noticeVersion, noticeSHA256: c.noticeSHA256, purposes: c.purposes,
                method: c.method, operatorName: c.operatorName, givenAt: c.givenAt, expiresAt: c.expiresAt),
            panelCredential: payload.panel)
    }
}
