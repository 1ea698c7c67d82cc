import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import Testing
import Vault

/// Members' cards: linked once, stored only as a keyed digest, gone with the member,
/// and described in the exports together with the trigger in force.
@Suite("Member cards", .perTestLimit)
struct MemberCardsTests {
    /// Enrols a subject named `name` with `card` linked; returns the pseudonym.
    static func enrol(_ name: String, card: String, in registry: ConsentRegistry, by staff: OSUser) throws -> SubjectID {
        var request = ConsentFixture.request(name)
        request.card = card
        return try registry.enrol(request, embeddings: [VaultFixture.randomDescriptor()], by: staff).0.id
    }

    @Test("a card linked at enrolment finds its holder; the number is nowhere in the database's files")
    func enrolWithCard() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let ada = try Self.enrol("Ada", card: "0451-7781-2290", in: registry, by: fixture.staff)
        #expect(try registry.cards.holder(of: "0451-7781-2290") == ada)
        #expect(try registry.cards.holder(of: " 0451-7781-2290\r\n") == ada, "a reader's white space is not part of the number")
        #expect(try registry.cards.holder(of: "0451-7781-2291") == nil)
        #expect(try registry.cards.hasCard(ada))
        registry.close()
        for file in try FileManager.default.contentsOfDirectory(atPath: fixture.stateDirectory) {
            let bytes = FileBytes.read(fixture.stateDirectory + "/" + file)
            #expect(!FileBytes.contains(bytes, Array("0451-7781-2290".utf8)), "\(file) holds the card number in the clear")
        }
    }

    @Test("a card is one member's: a second enrolment with it stores nothing, a second link is refused")
    func oneHolder() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        var request = ConsentFixture.request("Ada")
        request.card = "77"
        let ada = try registry.enrol(request, embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0.id
        request.displayName = "Bea"
        let refused = #expect(throws: ConsentError.self) {
            try registry.enrol(request, embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff)
        }
        #expect(refused?.code == .conflict)
        #expect(refused?.message.contains("77") == false, "the number is not repeated")
        #expect(try registry.vault.counts().subjects == 1, "the refused enrolment stored nothing")
        let bea = try registry.enrol(ConsentFixture.request("Bea"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0.id
        #expect(throws: ConsentError.self) { try registry.cards.set("77", for: bea, actor: fixture.staff) }
        #expect(throws: ConsentError.self) { try registry.cards.set("  ", for: bea, actor: fixture.staff) }
        #expect(throws: ConsentError.self) { try registry.cards.set(String(repeating: "7", count: 257), for: bea, actor: fixture.staff) }
        #expect(throws: ConsentError.self) { try registry.cards.set("12\u{0}34", for: bea, actor: fixture.staff) }
        #expect(throws: ConsentError.self) { try registry.cards.set("12", for: .random(), actor: fixture.staff) }
        // Replacing one's own card, then clearing it: both audited, without the number.
        try registry.cards.set("78", for: ada, actor: fixture.staff)
        #expect(try registry.cards.holder(of: "77") == nil && registry.cards.holder(of: "78") == ada)
        #expect(try registry.cards.clear(ada, actor: fixture.staff))
        #expect(try !registry.cards.clear(ada, actor: fixture.staff))
        let audit = try registry.exportAudit(format: .jsonl, actor: fixture.staff).text
        #expect(audit.contains("\"card.set\"") && audit.contains("\"card.clear\""))
        #expect(!audit.contains("\"78\""))
    }

    @Test("erasing a member forgets their card")
    func erasure() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let ada = try Self.enrol("Ada", card: "4242", in: registry, by: fixture.staff)
        try registry.erase(ada, reason: .request, actor: fixture.staff)
        #expect(try registry.cards.holder(of: "4242") == nil)
    }

    @Test("the record of processing and the access answer say which trigger is in force, what it means, and about the card")
    func exports() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let ada = try Self.enrol("Ada", card: "4242", in: registry, by: fixture.staff)
        let ropa = try JSONParser.parse(registry.exportRecordOfProcessing(format: .json, draft: true, actor: fixture.staff).text)
        #expect(ropa["recognition_trigger"]?["trigger"]?.stringValue == "zone")
        #expect(ropa["recognition_trigger"]?["meaning"]?.stringValue == DoorTrigger.zone.meaning)
        #expect(ropa["recognition_trigger"]?["card_alternative"]?.stringValue?.contains("card alone") == true)
        let access = try JSONParser.parse(registry.exportSubjectAccess(ada, actor: fixture.staff).text)
        #expect(access["recognition_trigger"]?["trigger"]?.stringValue == "zone")
        #expect(access["personal_data"]?["card"]?.stringValue?.contains("keyed digest") == true)
        #expect(!(access.serialized.contains("4242")))
    }

    @Test("under always, the record names the DPIA and says it is a different processing")
    func alwaysInTheRecord() throws {
        let fixture = try ConsentFixture {
            $0.replacingOccurrences(of: "trigger = \"zone\"", with: "trigger = \"always\"")
                .replacingOccurrences(
                    of: "dpia_reference = \"\"            # required", with: "dpia_reference = \"DPIA-2026-09\" # required")
        }
        let registry = try fixture.open()
        let ropa = try JSONParser.parse(registry.exportRecordOfProcessing(format: .json, draft: true, actor: fixture.staff).text)
        #expect(ropa["recognition_trigger"]?["dpia_reference"]?.stringValue == "DPIA-2026-09")
        #expect(ropa["recognition_trigger"]?["processing"]?.stringValue?.contains("different") == true)
    }
}
