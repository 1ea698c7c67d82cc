import FacegateTestSupport
import Foundation
import Testing

/// The state directory on a disk that really fills up (a small tmpfs): every write
/// that cannot be made fails with a clear error and exit 74, and nothing already
/// stored is lost or left half-written.
@Suite("a full disk", .perTestLimit)
struct FullDiskEndToEndTests {
    @Test(
        "enrolment, export and erasure on a full disk fail clearly; what was stored stays whole, and all works once space is freed",
        .enabled(if: SmallFilesystem.isAvailable, "needs the right to mount a small tmpfs (root); skipped here"))
    func fullDisk() throws {
        let disk = try SmallFilesystem(bytes: 4 * 1024 * 1024)
        let fixture = try ConsentFixture(base: disk.path)
        let facegate = FacegateProcess()
        func run(_ arguments: [String]) throws -> FacegateProcess.Result { try facegate.run(arguments + ["--policy", fixture.policyPath]) }
        func enroll(_ name: String, _ photo: String) throws -> FacegateProcess.Result {
            try run([
                "enroll", "--json", "--name", name, "--notice", "2026-01", "--purpose", "entry", "--method", "signed-form",
                TestResources.fixture(photo),
            ])
        }
        func decision(_ photo: String) throws -> String? {
            let faces = try run(["identify", "--json", TestResources.fixture(photo)]).jsonLines.first?["faces"] as? [[String: Any]]
            return faces?.first?["decision"] as? String
        }
        func expectDiskFull(_ result: FacegateProcess.Result, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(result.status == 74, "\(what): \(result.stdout)\(result.stderr)", sourceLocation: sourceLocation)
            #expect(
                (result.stdout + result.stderr).contains("is full"), "\(what) says the disk is full: \(result.stdout)\(result.stderr)",
                sourceLocation: sourceLocation)
        }

        let obama = try #require(try enroll("Barack Obama", "obama.jpg").jsonLines.first?["subject"] as? String)
        let biden = try #require(try enroll("Joe Biden", "biden.jpg").jsonLines.first?["subject"] as? String)
        let filler = disk.fill()

        let refused = try enroll("Someone Else", "t1.jpg")
        expectDiskFull(refused, "enrol")
        #expect(!(refused.stdout + refused.stderr).contains("Someone Else"), "no personal data in the error")
        expectDiskFull(try run(["export", "consent-log", "--output", fixture.directory.file("consent.jsonl")]), "export")
        let erase = try run(["erase", "--json", biden])
        if erase.status != 0 { expectDiskFull(erase, "erase") }

        try FileManager.default.removeItem(atPath: filler)
        if erase.status != 0 {
            // Either nothing was done, or the journal holds the erasure and the next
            // open finished it: asking again completes it or finds it done.
            let again = try run(["erase", "--json", biden])
            #expect(again.status == 0 || again.status == 67, "\(again.stdout)\(again.stderr)")
        }
        let listing = try run(["subjects", "--json"])
        let subjects = (listing.jsonLines.first?["subjects"] as? [[String: Any]])?.compactMap { $0["subject"] as? String }
        #expect(subjects == [obama], "the failed enrolment left nothing and the erasure took effect: \(listing.stdout)\(listing.stderr)")
        #expect(try decision("obama2.jpg") == "member", "what was stored before the disk filled is whole")
        #expect(try decision("biden.jpg") == "unknown")
        #expect(try enroll("Someone Else", "t1.jpg").status == 0, "enrolment works again once space is freed")
        let audit = try run(["export", "audit", "--output", fixture.directory.file("audit.jsonl")])
        #expect(audit.status == 0, "\(audit.stderr)")
        let verified = try facegate.run(["audit", "verify", fixture.directory.file("audit.jsonl")])
        #expect(verified.status == 0, "the audit chain verifies after the failed writes: \(verified.stdout)\(verified.stderr)")
    }
}
