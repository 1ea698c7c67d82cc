import Console
import FacegateCore
import FacegateTestSupport
import Testing

/// The sign-in throttle on a manual clock: tries reserved before their check, delays
/// that grow per account and address, and nobody else slowed.
@Suite("Console sign-in throttle", .perTestLimit)
struct LoginThrottleTests {
    static func throttle(_ clock: ManualWallClock) -> LoginThrottle {
        LoginThrottle(attempts: 5, maximumDelaySeconds: 15 * 60, clock: clock)
    }

    @Test("tries are counted when they start: with four failed and one still being checked, the sixth waits")
    func reservedBeforeTheCheck() throws {
        let throttle = Self.throttle(ManualWallClock())
        for _ in 0..<4 { throttle.failed(try throttle.begin(name: "ben", client: "127.0.0.1").get()) }
        let running = try throttle.begin(name: "ben", client: "127.0.0.1").get()
        #expect(throws: LoginThrottle.Wait.self) { try throttle.begin(name: "ben", client: "127.0.0.1").get() }
        // A check that could not run (the accounts unreadable) gives its try back.
        throttle.abandoned(running)
        let again = try throttle.begin(name: "ben", client: "127.0.0.1").get()
        #expect(throws: LoginThrottle.Wait.self) { try throttle.begin(name: "ben", client: "127.0.0.1").get() }
        throttle.failed(again)
    }

    @Test("password checks in flight are bounded: two from one address (its /64 for IPv6), eight in all, whatever the names")
    func checksInFlightAreBounded() throws {
        let throttle = Self.throttle(ManualWallClock())
        let first = try throttle.begin(name: "a1", client: "2001:db8::1").get()
        _ = try throttle.begin(name: "a2", client: "2001:db8::2").get()
        let held = #expect(throws: LoginThrottle.Wait.self) { try throttle.begin(name: "a3", client: "2001:db8::ffff:3").get() }
        #expect(held?.accountWide == false, "the same /64 is one client")
        throttle.abandoned(first)
        _ = try throttle.begin(name: "a3", client: "2001:db8::3").get()
        for index in 0..<6 { _ = try throttle.begin(name: "n\(index)", client: "192.0.2.\(index)").get() }
        #expect(throws: LoginThrottle.Wait.self) { try throttle.begin(name: "n9", client: "198.51.100.9").get() }
        #expect(LoginThrottle.clientKey("::ffff:127.0.0.1") == "127.0.0.1")
        #expect(LoginThrottle.clientKey("2001:db8:1:2:3:4:5:6") == "2001:0db8:0001:0002::/64")
    }

    @Test("a browser that signed in to the account before is not held by the account's run from other addresses")
    func knownDevices() throws {
        let throttle = Self.throttle(ManualWallClock())
        for address in 0..<4 {
            for _ in 0..<5 { throttle.failed(try throttle.begin(name: "dee", client: "198.51.100.\(address)").get()) }
        }
        let held = #expect(throws: LoginThrottle.Wait.self) { try throttle.begin(name: "dee", client: "203.0.113.9").get() }
        #expect(held?.accountWide == true)
        throttle.succeeded(try throttle.begin(name: "dee", client: "203.0.113.9", knownDevice: true).get())
    }

    @Test("past the free tries each failure doubles the wait, from 30 s up to the policy's maximum")
    func growingDelays() throws {
        let clock = ManualWallClock()
        let throttle = Self.throttle(clock)
        var waits: [Double] = []
        for _ in 0..<12 {
            let ticket: LoginThrottle.Ticket
            switch throttle.begin(name: "ben", client: "10.0.0.7") {
            case .success(let reserved): ticket = reserved
            case .failure(let wait):
                clock.advance(by: wait.seconds)
                ticket = try throttle.begin(name: "ben", client: "10.0.0.7").get()
            }
            waits.append(throttle.failed(ticket))
        }
        #expect(waits == [0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900])
    }

    @Test("one account's failures slow neither another account from the same address nor the same account elsewhere (below its own limit)")
    func nobodyElseIsSlowed() throws {
        let clock = ManualWallClock()
        let throttle = Self.throttle(clock)
        for _ in 0..<5 { throttle.failed(try throttle.begin(name: "ben", client: "127.0.0.1").get()) }
        #expect(throws: LoginThrottle.Wait.self) { try throttle.begin(name: "ben", client: "127.0.0.1").get() }
        throttle.succeeded(try throttle.begin(name: "sam", client: "127.0.0.1").get())
        throttle.succeeded(try throttle.begin(name: "ben", client: "192.0.2.4").get())
        // From many addresses together, four times the limit slows the account everywhere.
        for address in 0..<4 {
            for _ in 0..<5 { throttle.failed(try throttle.begin(name: "dee", client: "198.51.100.\(address)").get()) }
        }
        let refused = #expect(throws: LoginThrottle.Wait.self) { try throttle.begin(name: "dee", client: "203.0.113.9").get() }
        #expect(refused?.seconds == 30)
    }

    @Test("the right password ends the account's runs; a day without failure forgets them")
    func successAndTimeForget() throws {
        let clock = ManualWallClock()
        let throttle = Self.throttle(clock)
        for _ in 0..<4 { throttle.failed(try throttle.begin(name: "ben", client: "127.0.0.1").get()) }
        throttle.succeeded(try throttle.begin(name: "ben", client: "127.0.0.1").get())
        for _ in 0..<4 { throttle.failed(try throttle.begin(name: "ben", client: "127.0.0.1").get()) }
        _ = try throttle.begin(name: "ben", client: "127.0.0.1").get()
        let fresh = Self.throttle(clock)
        for _ in 0..<5 { fresh.failed(try fresh.begin(name: "ana", client: "127.0.0.1").get()) }
        #expect(throws: LoginThrottle.Wait.self) { try fresh.begin(name: "ana", client: "127.0.0.1").get() }
        clock.advance(by: 24 * 3600 + 1)
        for _ in 0..<4 { fresh.failed(try fresh.begin(name: "ana", client: "127.0.0.1").get()) }
    }
}
