import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import PropertyBased
import Testing
import Vault

/// Panel credentials: Wiegand frames a panel accepts, one per member, random, unique,
/// sealed, and gone with the member.
@Suite("Panel credentials", .perTestLimit)
struct PanelCredentialTests {
    static func parity(_ bits: ArraySlice<Bool>) -> Int { bits.filter { $0 }.count % 2 }

    @Test("every format frames facility and number between an even and an odd parity bit, as HID's open formats do")
    func framesCarryTheirParity() async {
        await propertyCheck(input: Gen.int(in: 0...65_535), Gen.int(in: 1...524_287)) { facility, number in
            for format in WiegandFormat.allCases {
                let facility = facility % (format.facilityRange.upperBound + 1)
                let number = number % format.numberRange.upperBound + 1
                let bits = PanelCredential(format: format, facility: facility, number: number).bits
                #expect(bits.count == format.bitCount)
                let data = bits.dropFirst().dropLast()
                let half = [WiegandFormat.wiegand26: 12, .wiegand34: 16, .wiegand37: 18][format]!
                #expect(Self.parity(bits.prefix(1) + data.prefix(half)) == 0, "even parity over the first half")
                #expect(Self.parity(data.suffix(half) + bits.suffix(1)) == 1, "odd parity over the last half")
                let facilityBits = format == .wiegand26 ? 8 : 16
                let decodedFacility = data.prefix(facilityBits).reduce(0) { $0 << 1 | ($1 ? 1 : 0) }
                let decodedNumber = data.dropFirst(facilityBits).reduce(0) { $0 << 1 | ($1 ? 1 : 0) }
                #expect(decodedFacility == facility && decodedNumber == number)
            }
        }
    }

    @Test("H10301's published example: facility 1, number 1 in 26 bits")
    func knownFrame() {
        // Even parity over 00000001 0000 (one 1: parity 1); odd parity over 000000000001 (one 1: parity 0).
        #expect(PanelCredential(format: .wiegand26, facility: 1, number: 1).bitString == "10000000100000000000000010")
        #expect(PanelCredential(format: .wiegand26, facility: 1, number: 1).packed == [0x80, 0x80, 0x00, 0x80])
    }

    @Test("a door with an access panel makes the credential in the enrolment's own transaction, of the policy's format and facility")
    func issuedAtEnrolment() throws {
        let fixture = try ConsentFixture { $0 + "\n[osdp]\ndevice = \"/dev/ttyUSB0\"\nformat = \"wiegand37\"\nfacility = 4321\n" }
        let registry = try fixture.open()
        let ada = try registry.enrol(ConsentFixture.request("Ada"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0.id
        let credential = try #require(try registry.panelCredentials.existing(of: ada))
        #expect(credential.format == .wiegand37 && credential.facility == 4321 && credential.bits.count == 37)
        let audit = try registry.exportAudit(format: .jsonl, actor: fixture.staff).text
        #expect(audit.contains("\"panel_credential\":\"wiegand37\""), "the enrolment's entry says so")
        #expect(!audit.contains("panel_credential.issue"), "one entry for the one action")
        registry.close()
        let refused = #expect(throws: ConsentError.self) {
            _ = try Policy.parse(
                try String(contentsOfFile: fixture.policyPath, encoding: .utf8).replacingOccurrences(
                    of: "facility = 4321", with: "facility = 70000"),
                path: fixture.policyPath)
        }
        #expect(refused?.message.contains("osdp.facility") == true, "\(refused?.message ?? "")")
        for (line, named) in [("baud = 1200", "osdp.baud"), ("address = 127", "osdp.address"), ("format = \"wiegand99\"", "osdp.format")] {
            let text = try String(contentsOfFile: fixture.policyPath, encoding: .utf8)
                .replacingOccurrences(
                    of: "format = \"wiegand37\"\n", with: line.hasPrefix("format") ? line + "\n" : "format = \"wiegand37\"\n" + line + "\n")
            let error = #expect(throws: ConsentError.self) { _ = try Policy.parse(text, path: fixture.policyPath) }
            #expect(error?.message.contains(named) == true, "\(error?.message ?? "")")
        }
    }

    @Test("each member gets one credential, kept, unique, audited without its number, and gone with the erasure")
    func oneEachUniqueAndErased() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        var members: [SubjectID] = []
        for index in 0..<300 {
            members.append(
                try registry.enrol(
                    ConsentFixture.request("Member \(index)"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff
                )
                .0.id)
        }
        var numbers = Set<Int>()
        for member in members {
            let credential = try registry.panelCredentials.credential(of: member, issuing: .wiegand26, facility: 42, actor: "test")
            #expect(credential.facility == 42 && credential.format == .wiegand26)
            numbers.insert(credential.number)
            #expect(try registry.panelCredentials.credential(of: member, issuing: .wiegand37, facility: 7, actor: "test") == credential)
        }
        #expect(numbers.count == members.count, "no two members share a credential")
        #expect(throws: ConsentError.self) {
            try registry.panelCredentials.credential(of: .random(), issuing: .wiegand26, facility: 1, actor: "test")
        }
        let outOfRange = #expect(throws: ConsentError.self) {
            try registry.panelCredentials.credential(
                of: try registry.enrol(
                    ConsentFixture.request("Late"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff
                ).0.id,
                issuing: .wiegand26, facility: 256, actor: "test")
        }
        #expect(outOfRange?.message.contains("[osdp] facility") == true)
        let first = try #require(try registry.panelCredentials.existing(of: members[0]))
        let audit = try registry.exportAudit(format: .jsonl, actor: fixture.staff).text
        #expect(audit.components(separatedBy: "panel_credential.issue").count - 1 == members.count, "one entry per credential issued")
        #expect(!audit.contains(first.bitString), "the audit log holds no credential")
        try registry.erase(members[0], reason: .request, actor: fixture.staff)
        #expect(try registry.panelCredentials.existing(of: members[0]) == nil)
        #expect(throws: ConsentError.self) {
            try registry.panelCredentials.credential(of: members[0], issuing: .wiegand26, facility: 42, actor: "test")
        }
        registry.close()
    }
}
