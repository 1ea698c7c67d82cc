import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import Testing
import Vault

/// The DPO's fleet-wide audit export, made from doors' chains as the hub holds them
/// (here handed over directly, page by page as the sync gives them): it verifies door
/// by door with each door's key, and whatever the hub or anyone else changes in it is
/// found and named.
@Suite("Fleet audit export", .perTestLimit)
struct FleetAuditExportTests {
    /// Two doors with some history, their chains given a page of `page` entries at a
    /// time, and the fleet export made at the first.
    struct Fleet {
        let main: ConsentFixture, side: ConsentFixture
        let mainRegistry: ConsentRegistry, sideRegistry: ConsentRegistry
        var sections: [FleetAuditSection] = []

        init(page: Int = 2) throws {
            main = try ConsentFixture()
            side = try ConsentFixture()
            mainRegistry = try main.open()
            sideRegistry = try side.open()
            for (registry, fixture, name) in [(mainRegistry, main, "main"), (sideRegistry, side, "side")] {
                var subjects: [SubjectID] = []
                for name in ["Ada", "Bo", "Cy", "Di"] {
                    subjects.append(
                        try registry.enrol(ConsentFixture.request(name), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0
                            .id)
                }
                try registry.erase(subjects[0], reason: .request, actor: fixture.staff)
                _ = try registry.exportConsentLog(format: .jsonl, actor: fixture.staff)
                var lines: [String] = []
                var after = 0
                while true {
                    let chunks = try registry.fleetAuditChunks(after: after, limit: page)
                    guard let last = chunks.last else { break }
                    lines += chunks.flatMap(\.lines)
                    after = last.seq
                }
                sections.append(
                    FleetAuditSection(
                        doorID: name + "-id", name: name, publicKey: registry.auditPublicKey, lastSyncAt: 1_800_000_000, lines: lines))
            }
        }

        func export(_ sections: [FleetAuditSection]? = nil) throws -> [String] {
            try mainRegistry.exports.fleetAuditLog(sections: sections ?? self.sections, fleetID: "f1", actor: main.staff).text
                .split(separator: "\n").map(String.init)
        }

        func close() {
            mainRegistry.close()
            sideRegistry.close()
        }
    }

    @Test(
        "every door's chain, given a page at a time, verifies with its own key and the exporter's seal; each page ends at a door's signature"
    )
    func verifies() throws {
        let fleet = try Fleet()
        defer { fleet.close() }
        let lines = try fleet.export()
        let report = try AuditVerifier.verifyFleet(lines: lines)
        #expect(report.isValid, "\(String(describing: report.failure))")
        #expect(report.doors.map(\.name) == ["main", "side"])
        #expect(report.doors.allSatisfy { $0.entries >= 5 && $0.checkpoints >= 2 && $0.lastSeq == $0.entries }, "\(report.doors)")
        // `audit verify` recognises the format.
        let result = try ExportVerification.verify(text: lines.joined(separator: "\n") + "\n", publicKey: nil)
        #expect(result.kind == "fleet-audit" && result.valid)
        // The exporter's own key, given, is accepted; another key is not.
        #expect(try AuditVerifier.verifyFleet(lines: lines, publicKey: fleet.mainRegistry.auditPublicKey).isValid)
        #expect(try !AuditVerifier.verifyFleet(lines: lines, publicKey: fleet.sideRegistry.auditPublicKey).isValid)
    }

    @Test("an altered entry, a chain cut short, a door's key swapped, a door dropped or added: each is found, naming the door")
    func tampering() throws {
        let fleet = try Fleet()
        defer { fleet.close() }
        let sideLines = fleet.sections[1].lines

        // The hub altered an entry of the side door's chain (the export is then sealed over it).
        var altered = fleet.sections
        let index = try #require(sideLines.firstIndex { $0.contains("\"seq\":2,") && $0.contains("\"type\":\"entry\"") })
        #expect(sideLines[index].contains("desk-staff"))
        altered[1].lines[index] = sideLines[index].replacingOccurrences(of: "desk-staff", with: "someone-else")
        let alteredReport = try AuditVerifier.verifyFleet(lines: fleet.export(altered))
        #expect(alteredReport.failure?.reason.hasPrefix("door 'side': ") == true, "\(String(describing: alteredReport.failure))")

        // Cut back to an entry no checkpoint signs: the chain ends unsigned. (A cut back
        // to a signature cannot be told from a door that synced less: its last sync shows.)
        var cut = fleet.sections
        let unsigned = try #require(
            sideLines.indices.dropLast().first {
                sideLines[$0].contains("\"type\":\"entry\"") && sideLines[$0 + 1].contains("\"type\":\"entry\"")
            })
        cut[1].lines = Array(sideLines.prefix(through: unsigned))
        let cutReport = try AuditVerifier.verifyFleet(lines: fleet.export(cut))
        #expect(cutReport.failure?.reason.contains("after its last signed checkpoint") == true, "\(String(describing: cutReport.failure))")

        // The side door's key replaced by the main door's: its signatures do not verify.
        var swapped = fleet.sections
        swapped[1].publicKey = fleet.sections[0].publicKey
        let swappedReport = try AuditVerifier.verifyFleet(lines: fleet.export(swapped))
        #expect(swappedReport.failure?.reason.contains("invalid signature") == true, "\(String(describing: swappedReport.failure))")

        // After the export: a door's section removed, or lines added after the seal.
        let lines = try fleet.export()
        let sideStart = try #require(lines.firstIndex { $0.contains("\"type\":\"door\"") && $0.contains("\"door\":\"side\"") })
        let dropped = Array(lines[..<sideStart]) + [lines.last!]
        #expect(try AuditVerifier.verifyFleet(lines: dropped).failure?.reason.contains("lines were changed, removed or added") == true)
        #expect(try AuditVerifier.verifyFleet(lines: lines + [lines[1]]).failure?.reason.contains("follows the export's seal") == true)
        // One export's entries claimed by a door twice.
        var twice = fleet.sections
        twice.append(fleet.sections[0])
        #expect(try AuditVerifier.verifyFleet(lines: fleet.export(twice)).failure?.reason.contains("appears twice") == true)
    }
}
