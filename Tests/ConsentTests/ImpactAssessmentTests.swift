import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import Testing

/// The DPIA kit: a draft Art. 35(7) assessment filled from the policy and the device,
/// leaving to the controller only what is theirs to complete.
@Suite("Impact assessment draft", .perTestLimit)
struct ImpactAssessmentTests {
    /// Every string in `value`, with the path to it.
    static func strings(_ value: JSONValue, path: String = "") -> [(String, String)] {
        switch value {
        case .string(let text): return [(path, text)]
        case .array(let values): return values.enumerated().flatMap { strings($0.element, path: "\(path)[\($0.offset)]") }
        case .object(let object): return object.entries.flatMap { strings($0.value, path: path + "." + $0.key) }
        default: return []
        }
    }

    @Test(
        "with the example policy filled in, the draft has every Art. 35(7) section and no empty field; only the controller's items are open"
    )
    func sections() throws {
        let fixture = try ConsentFixture(edit: ConsentFixture.fillingInController)
        let registry = try fixture.open()
        _ = try registry.enrol(ConsentFixture.request("Ada"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff)
        let document = try JSONParser.parse(registry.exports.impactAssessment(format: .json, actor: fixture.staff).text)
        #expect(document["article"]?.stringValue == "GDPR Art. 35(7)" && document["draft"] == .bool(true))
        for section in ["a_description", "b_necessity_and_proportionality", "c_risks", "d_measures", "open_items"] {
            #expect(document[section] != nil, "section \(section)")
        }
        #expect(document["a_description"]?["trigger"]?["trigger"]?.stringValue == "zone")
        #expect(document["a_description"]?["device_now"]?["enrolled_people"]?.intValue == 1)
        let risks = try #require(document["c_risks"]?.arrayValue)
        #expect(risks.count == PrivacyRisk.catalogue.count)
        for risk in risks {
            #expect(risk["measures"]?.arrayValue?.isEmpty == false)
            #expect(risk["proven_by"]?.stringValue?.contains("docs/PRIVACY.md") == true)
        }
        let empty = Self.strings(document).filter { $0.1.allSatisfy(\.isWhitespace) }
        #expect(empty.isEmpty, "empty fields: \(empty.map(\.0))")
        let open = (document["open_items"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(!open.contains { $0.contains("controller.") }, "the controller's details are filled in")
        #expect(open.contains { $0.contains("Art. 36") } && open.contains { $0.contains("likelihood") })
        // The export is audited like every other.
        let audit = try registry.exportAudit(format: .jsonl, actor: fixture.staff).text
        #expect(audit.contains("\"export.dpia\""))
    }

    @Test("with the shipped placeholders, the unfilled fields are open items; the Markdown says it is a draft, section by section")
    func placeholdersAndMarkdown() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let document = try JSONParser.parse(registry.exports.impactAssessment(format: .json, actor: fixture.staff).text)
        let open = (document["open_items"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(open.contains { $0.contains("`controller.name`") })
        let markdown = try registry.exports.impactAssessment(format: .markdown, actor: fixture.staff).text
        #expect(markdown.hasPrefix("DRAFT"))
        for section in [
            "## (a) Systematic description", "## (b) Necessity and proportionality", "## (c) Risks", "## (d) Measures envisaged",
            "## Items only the controller can complete",
        ] {
            #expect(markdown.contains(section), "\(section)")
        }
        // Unassessed is not "none": read by an authority, none would be an assessment.
        #expect(!markdown.contains(": none") && markdown.contains("**Likelihood**: to be assessed by the controller"))
        #expect(document["c_risks"]?.arrayValue?.allSatisfy { $0["severity"]?.stringValue == "to be assessed by the controller" } == true)
        #expect(throws: ConsentError.self) { try registry.exports.impactAssessment(format: .csv, actor: fixture.staff) }
    }

    @Test("every risk names requirements of the privacy matrix")
    func risksNameRequirements() {
        for risk in PrivacyRisk.catalogue {
            #expect(!risk.requirements.isEmpty && risk.requirements.allSatisfy { (1...27).contains($0) }, "\(risk.id)")
        }
        #expect(Set(PrivacyRisk.catalogue.map(\.id)).count == PrivacyRisk.catalogue.count)
    }
}
