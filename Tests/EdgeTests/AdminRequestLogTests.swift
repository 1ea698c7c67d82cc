import Edge
import FacegateCore
import FacegateTestSupport
import Synchronization
import Testing

/// Every admin request audited, and a flood bounded: per client and minute, the first
/// request at once and one summary of the rest.
@Suite("Admin request log", .perTestLimit)
struct AdminRequestLogTests {
    let root = OSUser(uid: 0, gid: 0, name: "root")
    let mallory = OSUser(uid: 4242, gid: 4242, name: "mallory")

    /// The entries a log wrote: (actor, details).
    final class Written: Sendable {
        let entries = Mutex<[(String, JSONObject)]>([])
        func withLock<R>(_ body: (inout [(String, JSONObject)]) -> R) -> R { entries.withLock { body(&$0) } }
    }

    func log(_ clock: ManualWallClock) -> (AdminRequestLog, Written) {
        let written = Written()
        let log = AdminRequestLog(clock: clock) { caller, details in written.withLock { $0.append((caller.name, details)) } }
        return (log, written)
    }

    @Test("the first request of a minute is audited at once; a flood in that minute adds one summary, when the minute is over")
    func flood() {
        let clock = ManualWallClock(1_767_225_600)  // the start of a minute
        let (log, written) = log(clock)
        log.record(mallory, request: "status", outcome: "ok")
        #expect(written.withLock { $0.count } == 1)
        #expect(written.withLock { $0[0].1["first_of_minute"] } == .bool(true))
        for _ in 0..<10_000 { log.record(mallory, request: "malformed", outcome: "invalid_request") }
        log.record(mallory, request: "status", outcome: "ok")
        log.flush()
        #expect(written.withLock { $0.count } == 1, "nothing more within the minute, whatever the flood")
        clock.advance(by: 60)
        log.flush()
        let summary = written.withLock { $0.last?.1 }
        #expect(written.withLock { $0.count } == 2)
        #expect(summary?["more_requests"] == .int(10_001))
        #expect(summary?["requests"]?["malformed invalid_request"] == .int(10_000))
        #expect(summary?["minute"] == .string("2026-01-01T00:00Z"))
    }

    @Test("clients are counted apart; a client's next request writes its last minute's summary first; shutdown writes the rest")
    func clients() {
        let clock = ManualWallClock(1_767_225_600)
        let (log, written) = log(clock)
        log.record(root, request: "status", outcome: "ok")
        log.record(root, request: "status", outcome: "ok")
        log.record(mallory, request: "connect", outcome: "not_permitted")
        #expect(written.withLock { $0.map(\.0) } == ["root", "mallory"])
        clock.advance(by: 61)
        log.record(root, request: "erase", outcome: "ok")
        #expect(written.withLock { $0.map(\.0) } == ["root", "mallory", "root", "root"])
        #expect(written.withLock { $0[2].1["requests"]?["status ok"] } == .int(1))
        #expect(written.withLock { $0[3].1["request"] } == .string("erase"))
        log.record(root, request: "status", outcome: "ok")
        log.flush(all: true)
        #expect(written.withLock { $0.count } == 5, "the minute still open is summed up at shutdown")
    }
}
