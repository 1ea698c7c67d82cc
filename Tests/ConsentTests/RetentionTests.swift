import Consent
import FacegateCore
import FacegateTestSupport
import GRDB
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import Vault

@Suite("Retention", .perTestLimit)
struct RetentionTests {
    @Test("with a test clock, expired templates are erased and old access events deleted, each purge audited")
    func sweep() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let (old, _) = try registry.enrol(
            ConsentFixture.request("Old", purposes: ["entry", "attendance-analytics"]), embeddings: [VaultFixture.randomDescriptor()],
            by: fixture.staff)
        #expect(try registry.recordVisit(of: old.id, decision: "member", at: fixture.clock.now()))
        fixture.clock.advance(days: 200)
        let (young, _) = try registry.enrol(
            ConsentFixture.request("Young", purposes: ["entry", "attendance-analytics"]), embeddings: [VaultFixture.randomDescriptor()],
            by: fixture.staff)
        #expect(try registry.recordVisit(of: young.id, decision: "member", at: fixture.clock.now()))
        #expect(try registry.recordVisit(of: old.id, decision: "member", at: fixture.clock.now()))

        // Day 200: nothing has expired yet, but the first visit is older than 180 days.
        var report = try registry.sweep()
        #expect(report.erasedSubjects.isEmpty)
        #expect(report.deletedAccessEvents == 1)
        #expect(try registry.visits(of: old.id).count == 1)

        // Day 366: the first subject's consent (365 days) has expired.
        fixture.clock.advance(days: 166)
        report = try registry.sweep()
        #expect(report.erasedSubjects == [old.id])
        #expect(try !registry.vault.exists(old.id))
        #expect(try registry.vault.exists(young.id))
        #expect(!registry.vault.gallery.contains(old.id))
        #expect(try registry.visits(of: old.id).isEmpty)

        let actions = try registry.vault.read { db in try AuditLog.entries(in: db).map(\.action) }
        #expect(actions.filter { $0 == "retention.expire" }.count == 1)
        #expect(actions.filter { $0 == "retention.purge_events" }.count == 1)
        // Nothing left to do: no further audit entries.
        _ = try registry.sweep()
        #expect(try registry.vault.read { db in try AuditLog.entries(in: db).count } == actions.count)
    }

    @Test("the retention service sweeps at start and again after each interval of its clock")
    func service() async throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        let subject = try registry.enrol(ConsentFixture.request(), embeddings: [VaultFixture.randomDescriptor()], by: fixture.staff).0.id
        let clock = ManualClock()
        let sweeps = SweepCounter()
        let service = RetentionService(registry: registry, clock: clock, interval: .seconds(3600), logger: Logger(label: "test")) {
            report in
            sweeps.record(report)
        }
        let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while clock.sleeperCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(sweeps.count == 1)
            #expect(try registry.vault.exists(subject))
            fixture.clock.advance(days: 400)
            clock.advance(by: .seconds(3600))
            while sweeps.count < 2 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(sweeps.erased.contains(subject))
            #expect(try !registry.vault.exists(subject))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

final class SweepCounter: Sendable {
    private let reports = Mutex<[ConsentRegistry.RetentionReport]>([])
    func record(_ report: ConsentRegistry.RetentionReport) { reports.withLock { $0.append(report) } }
    var count: Int { reports.withLock { $0.count } }
    var erased: [SubjectID] { reports.withLock { $0.flatMap(\.erasedSubjects) } }
}
