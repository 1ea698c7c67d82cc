import Consent
import FacegateCore
import FacegateTestSupport
import Testing
import Vault

/// What a door seals for the hub reads back exactly, and only as the subject it names.
@Suite("Fleet copies", .perTestLimit)
struct FleetCopyTests {
    static let subject = SubjectID("0123456789abcdef0123456789abcdef")!

    /// A version-1 copy as another door would have sealed it, with two templates of
    /// values no decimal form keeps exactly.
    static func payload() -> [UInt8] {
        var generator = SplitMix64(seed: 7)
        let templates = (0..<2).map { _ in
            Hex.encode((0..<FaceDescriptor.dimensions * 4).map { _ in UInt8(truncatingIfNeeded: generator.next() % 61) })
        }
        let json: JSONValue = [
            "v": 1, "subject": .string(subject.rawValue),
            "profile": ["displayName": "Ada Lovelace", "fields": ["membership": "RCC-7"]],
            "consent": [
                "id": "c0ffee", "noticeVersion": "2026-01", "noticeSHA256": "ab", "purposes": ["entry"], "method": "signed-form",
                "operatorName": "desk", "givenAt": 1_700_000_000.25, "expiresAt": 1_800_000_000.5,
            ],
            "templates": .array(templates.map(JSONValue.string)),
        ]
        return Array(json.serialized.utf8)
    }

    @Test("a copy decoded and encoded again keeps every template bit for bit, the profile and the consent record")
    func roundTrip() throws {
        let first = try #require(Self.payload().withUnsafeBytes { FleetCopy(decoding: $0, subject: Self.subject) })
        #expect(first.profile == SubjectProfile(displayName: "Ada Lovelace", fields: ["membership": "RCC-7"]))
        #expect(first.consent.id == "c0ffee" && first.consent.givenAt == 1_700_000_000.25 && first.consent.subject == Self.subject)
        #expect(first.consent.isActive(at: 1_750_000_000))
        let again = try #require(try first.encoded().withUnsafeBytes { FleetCopy(decoding: $0, subject: Self.subject) })
        #expect(again.descriptors.count == 2)
        #expect(zip(again.descriptors, first.descriptors).allSatisfy { $0.values == $1.values })
        #expect(again.consent == first.consent && again.profile == first.profile)
    }

    @Test("a copy does not decode as another subject, nor from damaged bytes")
    func refusesOthers() throws {
        let other = try #require(SubjectID("fedcba9876543210fedcba9876543210"))
        var bytes = Self.payload()
        #expect(bytes.withUnsafeBytes { FleetCopy(decoding: $0, subject: other) } == nil)
        bytes.removeLast(5)
        #expect(bytes.withUnsafeBytes { FleetCopy(decoding: $0, subject: Self.subject) } == nil)
    }
}
