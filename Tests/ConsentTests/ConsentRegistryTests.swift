import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import GRDB
import Testing
import Vault

@Suite("Consent records, withdrawal and erasure", .perTestLimit)
struct ConsentRegistryTests {
    @Test(
        "enrolment without a valid consent is refused and stores nothing",
        arguments: [
            EnrolmentRequest(displayName: "A", noticeVersion: "1999-01", purposes: ["entry"], method: "signed-form"),
            EnrolmentRequest(displayName: "A", noticeVersion: "2026-01", purposes: [], method: "signed-form"),
            EnrolmentRequest(displayName: "A", noticeVersion: "2026-01", purposes: ["offers"], method: "signed-form"),
            EnrolmentRequest(displayName: "A", noticeVersion: "2026-01", purposes: ["entry", "telepathy"], method: "signed-form"),
            EnrolmentRequest(displayName: "A", noticeVersion: "2026-01", purposes: ["entry"], method: "verbal"),
            EnrolmentRequest(displayName: " ", noticeVersion: "2026-01", purposes: ["entry"], method: "signed-form"),
        ])
    func refusedWithoutConsent(request: EnrolmentRequest) throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        #expect(throws: ConsentError.self) {
            try registry.enrol(request, embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff)
        }
        #expect(try registry.vault.subjects().isEmpty)
        #expect(try registry.consentRecords().isEmpty)
        #expect(registry.vault.gallery.templateCount == 0)
        let audited = try registry.vault.read { db in try AuditLog.entries(in: db).count }
        #expect(audited == 0)
    }

    @Test("an enrolment creates the record with every proof field and an audit entry, in one go")
    func enrolmentRecord() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let (enrolled, record) = try registry.enrol(
            ConsentFixture.request(purposes: ["entry", "attendance-analytics"]), embeddings: [VaultFixture.randomDescriptor()],
            by: fixture.staff)
        #expect(record.subject == enrolled.id)
        #expect(record.noticeVersion == "2026-01")
        #expect(record.noticeSHA256 == fixture.policy.notices[0].sha256)
        #expect(record.purposes == ["attendance-analytics", "entry"])
        #expect(record.method == "signed-form")
        #expect(record.operatorName == "desk-staff")
        #expect(record.givenAt == fixture.clock.now())
        #expect(record.expiresAt == fixture.clock.now() + 365 * 86_400)
        #expect(record.withdrawnAt == nil)
        let entries = try registry.vault.read { db in try AuditLog.entries(in: db) }
        #expect(entries.map(\.action) == ["subject.enrol"])
        #expect(entries[0].actor == "desk-staff")
        #expect(entries[0].personal != nil)
        // The name is sealed, not in the clear.
        #expect(!JSONValue.object(entries[0].details).serialized.contains("Ada"))
    }

    @Test("withdrawal erases at once: gone from the gallery and the vault before it returns")
    func withdrawal() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let probe = VaultFixture.randomDescriptor()
        let (enrolled, _) = try registry.enrol(ConsentFixture.request(), embeddings: [probe], by: fixture.staff)
        #expect(registry.vault.gallery.search(probe).first?.subject == enrolled.id)
        let result = try registry.withdraw(enrolled.id, actor: fixture.staff)
        #expect(result.erased)
        #expect(registry.vault.gallery.search(probe).isEmpty)
        #expect(try !registry.vault.exists(enrolled.id))
        #expect(registry.activeConsent(of: enrolled.id) == nil)
        let record = try #require(try registry.consentRecords(of: enrolled.id).first)
        #expect(record.withdrawnAt == fixture.clock.now())
        #expect(record.erasedAt == fixture.clock.now())
        // A reopened store agrees (once this one has released the state directory).
        registry.close()
        #expect(try fixture.open().vault.gallery.templateCount == 0)
    }

    @Test("withdrawing analytics only keeps recognition and forgets the visits")
    func partialWithdrawal() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let (enrolled, first) = try registry.enrol(
            ConsentFixture.request(purposes: ["entry", "attendance-analytics"]), embeddings: [VaultFixture.randomDescriptor()],
            by: fixture.staff)
        #expect(try registry.recordVisit(of: enrolled.id, decision: "member", at: fixture.clock.now()))
        #expect(try registry.visits(of: enrolled.id).count == 1)
        let result = try registry.withdraw(enrolled.id, purposes: ["attendance-analytics"], actor: fixture.staff)
        #expect(!result.erased)
        #expect(result.remainingPurposes == ["entry"])
        #expect(try registry.visits(of: enrolled.id).isEmpty)
        #expect(try !registry.recordVisit(of: enrolled.id, decision: "member", at: fixture.clock.now()))
        #expect(registry.vault.gallery.contains(enrolled.id))
        let records = try registry.consentRecords(of: enrolled.id)
        #expect(records.count == 2)
        #expect(records.first { $0.id == first.id }?.supersededBy != nil)
    }

    @Test("a member passing the door nine times in five minutes is one visit; six hours later is the next")
    func oneVisitPerSession() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let (member, _) = try registry.enrol(
            ConsentFixture.request(purposes: ["entry", "attendance-analytics"]), embeddings: [VaultFixture.randomDescriptor()],
            by: fixture.staff)
        let start = fixture.clock.now()
        let stored = try (0..<9).map { try registry.recordVisit(of: member.id, decision: "member", at: start + Double($0) * 35) }
        #expect(stored == [true] + Array(repeating: false, count: 8))
        #expect(try !registry.recordVisit(of: member.id, decision: "member", at: start + VisitLog.sameVisitSeconds - 1))
        #expect(try registry.recordVisit(of: member.id, decision: "member", at: start + VisitLog.sameVisitSeconds))
        #expect(try registry.visits(of: member.id) == [start, start + VisitLog.sameVisitSeconds])
    }

    @Test("a settled decision's counter, quality bin and visit are written together; the visit only with analytics consent")
    func decisionRecord() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let (member, _) = try registry.enrol(
            ConsentFixture.request(purposes: ["entry", "attendance-analytics"]), embeddings: [VaultFixture.randomDescriptor()],
            by: fixture.staff)
        let (entryOnly, _) = try registry.enrol(
            ConsentFixture.request("B"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff)
        let now = fixture.clock.now()
        let quality = DecisionRecord.Quality(distance: 0.31, runnerUp: 0.7, threshold: 0.5, margin: 0.04)
        #expect(try registry.visitLog.record(DecisionRecord(kind: "member", time: now, quality: quality, visitOf: member.id)))
        #expect(try !registry.visitLog.record(DecisionRecord(kind: "member", time: now + 1, quality: quality, visitOf: entryOnly.id)))
        #expect(try !registry.visitLog.record(DecisionRecord(kind: "unknown", time: now + 2)))
        #expect(try registry.visits(of: member.id) == [now] && registry.visits(of: entryOnly.id).isEmpty)
        let counts = try registry.statistics(days: 1)["counters"]?.arrayValue?.last?["counts"]
        #expect(counts?["member"]?.intValue == 2 && counts?["unknown"]?.intValue == 1, "\(String(describing: counts))")
        #expect(try registry.visitLog.quality().days.last?.histogram.total == 2)
    }

    @Test("visits are recorded only with attendance-analytics consent")
    func visitsNeedConsent() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let (entryOnly, _) = try registry.enrol(
            ConsentFixture.request("A"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff)
        #expect(try !registry.recordVisit(of: entryOnly.id, decision: "member", at: fixture.clock.now()))
        #expect(try registry.visits(of: entryOnly.id).isEmpty)
    }

    @Test("erasure keeps the audit chain verifiable while the subject's sealed details no longer decrypt")
    func erasureAndChain() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let (enrolled, _) = try registry.enrol(
            ConsentFixture.request("Grace Hopper"), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff)
        let sealed = try #require(try registry.vault.read { db in try AuditLog.entries(in: db).first?.personal })
        let before = try registry.vault.read { db in try registry.vault.openPersonal(sealed, for: enrolled.id, purpose: "audit", in: db) }
        #expect(before.map { String(decoding: $0, as: UTF8.self) }?.contains("Grace Hopper") == true)
        try registry.erase(enrolled.id, reason: .request, actor: fixture.staff)
        let after = try registry.vault.read { db in try registry.vault.openPersonal(sealed, for: enrolled.id, purpose: "audit", in: db) }
        #expect(after == nil)
        let export = try registry.exportAudit(format: .jsonl, actor: fixture.staff)
        let report = try AuditVerifier.verify(
            lines: export.text.split(separator: "\n").map(String.init), publicKey: registry.audit.publicKey)
        #expect(report.isValid, "\(String(describing: report.failure))")
        #expect(report.entries == 3)  // enrol, erase, export
        #expect(!export.text.contains("Grace Hopper"))
        let eraseEntry = try registry.vault.read { db in try AuditLog.entries(in: db).first { $0.action == "subject.erase" } }
        #expect(eraseEntry?.personal == nil)
        #expect(eraseEntry?.subject == enrolled.id.rawValue)
    }
}
