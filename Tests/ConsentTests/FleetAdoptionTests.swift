import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import Testing
import Vault

/// A door adopting other doors' members: the same pseudonyms and consent records, one
/// audit entry per page adopted (not per member: the chain and its replica on the hub
/// would grow by the whole membership at every join), and nothing adopted twice.
@Suite("Fleet adoption", .perTestLimit)
struct FleetAdoptionTests {
    /// The `subject.adopt` entries of `registry`'s audit chain, as JSON objects.
    static func adoptions(_ registry: ConsentRegistry) throws -> [[String: Any]] {
        try registry.fleetAuditChunks(after: 0, limit: 100_000).map { try #require($0.lines.first) }
            .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["action"] as? String == "subject.adopt" }
    }

    @Test(
        "a page of copies is adopted under its pseudonyms with one audit entry listing each; one copy's entry names its subject; none twice"
    )
    func onePagePerEntry() throws {
        let origin = try ConsentFixture(), door = try ConsentFixture()
        let originRegistry = try origin.open(), doorRegistry = try door.open()
        defer {
            originRegistry.close()
            doorRegistry.close()
        }
        var copies: [FleetCopy] = []
        for name in ["Ada", "Bo", "Cy", "Di"] {
            let enrolled = try originRegistry.enrol(
                ConsentFixture.request(name), embeddings: [VaultFixture.randomDescriptor()], by: origin.staff
            ).0
            copies.append(try #require(try originRegistry.fleetCopy(of: enrolled.id)))
        }
        #expect(try doorRegistry.adopt(copies.prefix(3).map { ($0, "main-id") }) == 3)
        #expect(try doorRegistry.adopt(copies[3], fromDoor: "side-id"))
        // Again: held already, so nothing is stored or audited.
        #expect(try doorRegistry.adopt(copies.map { ($0, "main-id") }) == 0)

        let entries = try Self.adoptions(doorRegistry)
        #expect(entries.count == 2, "\(entries)")
        let page = try #require(entries.first?["details"] as? [String: Any])["copies"] as? [[String: Any]]
        #expect(page?.compactMap { $0["subject"] as? String } == copies.prefix(3).map(\.subject.rawValue))
        #expect(page?.compactMap { $0["consent_record"] as? String } == copies.prefix(3).map(\.consent.id))
        #expect(page?.allSatisfy { $0["origin_door"] as? String == "main-id" && $0["templates"] as? Int == 1 } == true)
        #expect(entries.first?["subject"] as? String == nil, "a page names no single subject")
        #expect(entries.last?["subject"] as? String == copies[3].subject.rawValue)
        for copy in copies {
            #expect(doorRegistry.vault.gallery.contains(copy.subject))
            #expect(doorRegistry.activeConsent(of: copy.subject)?.record == copy.consent.id)
        }
    }

    @Test("a page of the audit chain for the hub ends before the entry that would pass its byte budget, never before its first")
    func auditPagesBoundedByBytes() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        defer { registry.close() }
        for name in ["Ada", "Bo", "Cy"] {
            _ = try registry.enrol(ConsentFixture.request(name), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff)
        }
        let all = try registry.fleetAuditChunks(after: 0, limit: 100)
        #expect(all.count >= 3)
        #expect(try registry.fleetAuditChunks(after: 0, limit: 100, maxBytes: 1).map(\.seq) == [all[0].seq])
        let two = try #require(all[0].lines.first).utf8.count + (try #require(all[1].lines.first)).utf8.count
        #expect(try registry.fleetAuditChunks(after: 0, limit: 100, maxBytes: two).map(\.seq) == [all[0].seq, all[1].seq])
    }
}
