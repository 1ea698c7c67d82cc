import FacegateTestSupport
import Foundation
import Synchronization
import Testing

/// The console's sign-in and sessions attacked as issue 33 found them open, against a
/// real daemon over real HTTP: guesses sent all at once, one address locking everyone
/// out, a demoted admin keeping admin, a rebound host name, text that reads backwards.
@Suite("Console sign-in under attack", .serialized, .perTestLimit)
struct ConsoleSignInEndToEndTests {
    static let password = ConsoleDaemon.password

    @Test("40 wrong passwords sent at once get no more checks than 5 sent in a row; the right one just after waits too")
    func concurrentGuesses() throws {
        let console = try ConsoleDaemon()
        let guessers = (0..<40).map { _ in console.client() }
        let tokens = try guessers.map { try $0.openSignInForm() }
        let statuses = Mutex([Int]())
        DispatchQueue.concurrentPerform(iterations: guessers.count) { index in
            let status = (try? guessers[index].submitSignIn("ben", "wrong guess number \(index)", token: tokens[index]).status) ?? 0
            statuses.withLock { $0.append(status) }
        }
        let answered = statuses.withLock { $0 }
        #expect(answered.filter { $0 == 401 }.count <= 5, "at most the free tries were checked: \(answered.sorted())")
        #expect(answered.filter { $0 == 429 }.count >= 35, "the rest were told to wait: \(answered.sorted())")
        let right = console.client()
        let reply = try right.signIn("ben", Self.password)
        #expect(reply.status == 429 && right.cookies["fg_session"] == nil, "the right password sent just after waits as well")
        #expect(Int(reply.headers["retry-after"] ?? "") != nil, "the wait is given to scripts")
        let checked = try console.auditEntries().filter { $0["action"] as? String == "console.sign_in" }
        #expect(checked.count <= 5, "one audit entry per password checked: \(checked.count)")
        #expect(console.daemon.stop() == 0)
    }

    @Test("failures for one account from one address slow that account there only, by a growing delay the page states")
    func noOneLocksOthersOut() throws {
        let console = try ConsoleDaemon()
        let guesser = console.client()
        for attempt in 1...5 { #expect(try guesser.signIn("ben", "wrong guess number \(attempt)").status == 401) }
        let waiting = try guesser.signIn("ben", "wrong guess number 6")
        #expect(waiting.status == 429)
        let wait = try #require(Int(waiting.headers["retry-after"] ?? ""))
        #expect((1...30).contains(wait), "the first delay is at most 30 s, not a 15-minute lock: \(wait)")
        #expect(waiting.text.contains("try again in \(wait) seconds"), "the page says when: \(waiting.text)")
        // Every other account signs in from the same address (the tunnel everyone shares).
        for name in ["ana", "sam", "dee"] {
            let other = console.client()
            #expect(try other.signIn(name, Self.password).status == 303, "\(name) signs in from the same address")
        }
        // 20 more wrong passwords for other names from the address still lock nobody else.
        for attempt in 1...20 { _ = try console.client().signIn("nobody\(attempt % 4)", "wrong guess") }
        #expect(try console.client().signIn("sam", Self.password).status == 303)
        #expect(console.daemon.stop() == 0)
    }

    @Test("a demoted, re-added or re-passworded account loses its session and tokens at once; the role is read at every request")
    func credentialChangesEndSessions() throws {
        let console = try ConsoleDaemon()
        // Role changed in place.
        let ana = console.client()
        #expect(try ana.signIn("ana", Self.password).status == 303)
        #expect(try ana.request("GET", "/enrol").status == 200)
        #expect(try console.cli(["console", "user", "role", "ana", "staff"]).status == 0)
        #expect(try ana.request("GET", "/api/v1/subjects").status == 401, "the admin session ended with the role")
        #expect(try console.client("ana").request("GET", "/api/v1/status").status == 401, "and the token with it")
        let demoted = console.client()
        #expect(try demoted.signIn("ana", Self.password).status == 303)
        #expect(try demoted.request("GET", "/enrol").status == 403, "signed in again, she is staff")

        // Removed and added again as staff: the old admin session is not revived.
        let ben = console.client()
        #expect(try ben.signIn("ben", Self.password).status == 303)
        #expect(try console.cli(["console", "user", "remove", "ben"]).status == 0)
        #expect(
            try console.cli(["console", "user", "add", "ben", "--role", "staff", "--person", "Ben Okafor"], stdin: Self.password + "\n")
                .status == 0)
        #expect(try ben.request("GET", "/enrol").status == 303, "sent to sign in")
        let erase = try ben.request(
            "POST", "/api/v1/subjects/0123456789abcdef0123456789abcdef/erase", headers: ["X-CSRF-Token": ben.csrf ?? ""])
        #expect(erase.status == 401)

        // A new password ends the session and revokes the tokens.
        let sam = console.client()
        #expect(try sam.signIn("sam", Self.password).status == 303)
        #expect(try console.cli(["console", "user", "passwd", "sam"], stdin: "a brand new pass phrase\n").status == 0)
        #expect(try sam.request("GET", "/identify").status == 303)
        #expect(try console.client("sam").request("GET", "/api/v1/status").status == 401)
        #expect(try console.client().signIn("sam", "a brand new pass phrase").status == 303)
        #expect(console.daemon.stop() == 0)
    }

    @Test("a request naming a host the console is not configured for is refused (421), /metrics included; addresses and listed names pass")
    func reboundHostIsRefused() throws {
        let console = try ConsoleDaemon(edit: {
            $0.replacingOccurrences(of: "host_names = []", with: "host_names = [\"door1.venue.test\"]")
        })
        let client = console.client()
        for path in ["/metrics", "/login", "/api/v1/status"] {
            let reply = try client.request("GET", path, headers: ["Host": "rebind.attacker.test:8080"])
            #expect(reply.status == 421, "\(path): \(reply.status)")
        }
        #expect(try client.request("GET", "/api/v1/status", headers: ["Host": "rebind.attacker.test"]).errorCode == "host_not_served")
        for host in ["127.0.0.1:8080", "localhost", "door1.venue.test:443", "[::1]:8080"] {
            #expect(try client.request("GET", "/metrics", headers: ["Host": host]).status == 200, "\(host)")
        }
        #expect(console.daemon.stop() == 0)
    }

    @Test("names and membership fields are bounded, keyed by the policy and free of text-direction controls")
    func enrolmentTextIsChecked() throws {
        let console = try ConsoleDaemon()
        let photo = try console.photo("obama.jpg")
        func enrol(_ fields: [(String, String)]) throws -> ConsoleClient.Reply {
            let (body, type) = ConsoleClient.multipart(
                fields: fields + [("notice", "2026-01"), ("purposes", "entry")],
                files: [(field: "photo", filename: "a.jpg", type: "image/jpeg", data: photo)])
            return try console.client("ana").request("POST", "/api/v1/subjects", body: body, contentType: type)
        }
        let long = try enrol([("name", String(repeating: "A", count: 101))])
        #expect(long.status == 400 && long.text.contains("longer than 100"), "\(long.text)")
        let override = try enrol([("name", "Ana \u{202E}nimda")])
        #expect(override.status == 400 && override.text.contains("text-direction"), "\(override.text)")
        let unknownField = try enrol([("name", "Ana"), ("field.shoe_size", "42")])
        #expect(unknownField.status == 400 && unknownField.text.contains("member_fields"), "\(unknownField.text)")
        let longField = try enrol([("name", "Ana"), ("field.membership_number", String(repeating: "9", count: 201))])
        #expect(longField.status == 400, "\(longField.text)")
        let fine = try enrol([("name", "Ana"), ("field.membership_number", "M-1042")])
        #expect(fine.status == 200, "\(fine.text)")
        #expect(console.daemon.stop() == 0)
    }
}
