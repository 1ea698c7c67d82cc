import FacegateCore
import FacegateTestSupport
import Foundation
import Testing
import Vault

/// One writer per state directory, with real processes: a command never runs beside
/// a daemon it cannot reach, the daemon notices erasures made by anyone, and
/// concurrent enrolments of one face leave one person.
@Suite("One writer per state directory", .serialized, .perTestLimit)
struct ErasureEndToEndTests {
    typealias Appliance = AdminSocketEndToEndTests.Appliance

    @Test("a command whose socket does not answer, beside a running daemon, is refused with exit 75 naming the socket, and changes nothing")
    func unreachableSocket() throws {
        let appliance = try Appliance(denyList: false)
        let obama = try appliance.enrolObama()
        let wrong = appliance.fixture.directory.file("stale.sock")
        let erase = try appliance.facegate.run(["erase", "--json", "--policy", appliance.fixture.policyPath, "--socket", wrong, obama])
        #expect(erase.status == 75, "\(erase.stdout)\(erase.stderr)")
        #expect(erase.stdout.contains(wrong) || erase.stderr.contains(wrong), "the message names the socket it tried")
        #expect(erase.stdout.contains("did not answer") || erase.stderr.contains("did not answer"))
        // Nothing was erased: the daemon still admits him, and the vault still holds him.
        let since = appliance.daemon.events.count
        let deadline = Date().addingTimeInterval(20)
        var admitted = false
        while !admitted && Date() < deadline {
            admitted = appliance.daemon.events.dropFirst(since).contains {
                $0["decision"] as? String == "member" && $0["subject"] as? String == obama
            }
            usleep(100_000)
        }
        #expect(admitted, "the daemon still recognises him after the refused command")
        let subjects = try appliance.cli(["subjects", "--json"])
        #expect((subjects.jsonLines.first?["subjects"] as? [[String: Any]])?.count == 1)
        // A read of the audit trail shows no erasure happened.
        #expect(try !appliance.auditActions().contains { $0["action"] as? String == "subject.erase" })
        #expect(appliance.daemon.stop() == 0)
    }

    @Test("the daemon drops a subject erased by another process (an entry in the erasure journal) within 2 s, and finishes the erasure")
    func erasureByAnotherProcess() throws {
        let appliance = try Appliance(denyList: false)
        let obama = try appliance.enrolObama()
        #expect(appliance.waitForEvent { $0["decision"] as? String == "member" && $0["subject"] as? String == obama } != nil)
        // Another process holding the key directory (a recovery tool; this test) erases
        // him by the journal alone, with the line's checksum.
        let keys = try KeyRing.load(directory: appliance.fixture.location.keys, environment: [:])
        try ErasureJournal(path: appliance.fixture.erasureJournalPath, key: keys.journalKey).append(
            ErasureJournal.Entry(
                subject: try #require(SubjectID(obama)), scope: .subject(reason: "request"), actor: "other-process", at: Timestamp.now()))
        let erasedAt = Date()
        usleep(2_000_000)
        let markAfterTwoSeconds = appliance.daemon.events.count
        usleep(3_000_000)
        let lateMembers = appliance.daemon.events.dropFirst(markAfterTwoSeconds).filter { $0["subject"] as? String == obama }
        #expect(lateMembers.isEmpty, "no decision names him from 2 s after the erasure: \(lateMembers)")
        #expect(Date().timeIntervalSince(erasedAt) >= 5)
        let subjects = try appliance.cli(["subjects", "--json"])
        #expect((subjects.jsonLines.first?["subjects"] as? [[String: Any]])?.isEmpty == true, "\(subjects.stdout)")
        let log = try appliance.cli(["export", "consent-log"]).jsonLines.filter { $0["type"] as? String == "consent_record" }
        #expect(!log.isEmpty && log.allSatisfy { ($0["erased_at"] as? String) != nil }, "the consent side was finished too")
        let erasure = try appliance.auditActions().first { $0["action"] as? String == "subject.erase" && $0["subject"] as? String == obama }
        #expect(erasure?["actor"] as? String == "other-process")
        #expect(appliance.daemon.stop() == 0)
    }

    @Test("five processes enrolling the same face at once, with no daemon, leave one subject")
    func concurrentEnrolments() throws {
        let fixture = try ConsentFixture()
        let facegate = FacegateProcess()
        let results = ConcurrentResults()
        DispatchQueue.concurrentPerform(iterations: 5) { index in
            let result = try? facegate.run([
                "enrol", "--json", "--policy", fixture.policyPath, "--socket", fixture.socketPath, "--name", "Twin \(index)",
                "--notice", "2026-01", "--purpose", "entry", "--method", "signed-form", TestResources.fixture("obama.jpg"),
            ])
            results.append(result)
        }
        let all = results.values
        #expect(all.count == 5)
        let succeeded = all.filter { $0?.status == 0 }
        #expect(succeeded.count == 1, "\(all.map { "\($0?.status ?? -1): \($0?.stderr ?? "")" })")
        for refused in all where refused?.status != 0 {
            let said = (refused?.stdout ?? "") + (refused?.stderr ?? "")
            #expect(refused?.status == 65 && said.contains("already enrolled"), "\(said)")
        }
        let subjects = try facegate.run(["subjects", "--json", "--policy", fixture.policyPath, "--socket", fixture.socketPath])
        #expect((subjects.jsonLines.first?["subjects"] as? [[String: Any]])?.count == 1, "\(subjects.stdout)\(subjects.stderr)")
    }
}

final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [FacegateProcess.Result?] = []
    func append(_ result: FacegateProcess.Result?) {
        lock.lock()
        results.append(result)
        lock.unlock()
    }
    var values: [FacegateProcess.Result?] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
