import FacegateTestSupport
import Foundation
import Testing

/// The web console's accounts through the real binary: a password given on standard
/// input and a token printed once leave no trace in the state directory, nor in the
/// daemon's output when they go through its socket.
@Suite("facegate console user / token", .perTestLimit)
struct ConsoleAccountsEndToEndTests {
    static let password = "correct horse battery staple"

    /// Every file under `directory` whose bytes contain `needle`.
    static func files(under directory: String, containing needle: String) -> [String] {
        let bytes = Array(needle.utf8)
        return (FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []).filter { file in
            FileBytes.contains(FileBytes.read(directory + "/" + file), bytes)
        }
    }

    /// Adds an account, lists it, issues a token and revokes it with `run`; returns the token.
    static func manage(_ run: ([String], Data?) throws -> FacegateProcess.Result) throws -> String {
        let added = try run(
            ["console", "user", "add", "ada.lovelace", "--role", "admin", "--person", "Ada Lovelace"], Data((password + "\n").utf8))
        #expect(added.status == 0, "\(added.stderr)")
        #expect(!added.stdout.contains(password) && !added.stderr.contains(password))
        let again = try run(
            ["console", "user", "add", "ada.lovelace", "--role", "staff", "--person", "Ada Lovelace"], Data((password + "\n").utf8))
        #expect(again.status != 0 && again.stderr.contains("exists already"), "\(again.stderr)")
        let empty = try run(["console", "user", "add", "bea", "--role", "staff", "--person", "Bea Smith"], Data())
        #expect(empty.status == 64 && empty.stderr.contains("no password"), "\(empty.stderr)")
        let short = try run(["console", "user", "add", "bea", "--role", "staff", "--person", "Bea Smith"], Data("hunter2\n".utf8))
        #expect(short.status == 64 && !short.stderr.contains("hunter2"), "\(short.stderr)")

        let issued = try run(["console", "token", "add", "ada.lovelace", "--role", "staff"], nil)
        #expect(issued.status == 0, "\(issued.stderr)")
        let token = try #require(issued.lines.first)
        #expect(issued.lines.count == 1 && token.hasPrefix("fgt_") && token.count == 68)
        #expect(issued.stderr.contains("cannot be shown again") && !issued.stderr.contains(token))

        let listed = try run(["console", "user", "list", "--json"], nil)
        let accounts = try #require(listed.jsonLines.first?["accounts"] as? [[String: Any]], "\(listed.stdout)\(listed.stderr)")
        #expect(accounts.count == 1)
        #expect(accounts.first?["name"] as? String == "ada.lovelace" && accounts.first?["role"] as? String == "admin")
        let ids = try #require(accounts.first?["token_ids"] as? [String])
        #expect(ids.count == 1 && accounts.first?["live_tokens"] as? Int == 1)
        let table = try run(["console", "user", "list"], nil)
        #expect(table.lines.first?.hasPrefix("NAME") == true && table.lines.dropFirst().first?.contains("ada.lovelace") == true)

        let revoked = try run(["console", "token", "revoke", ids[0]], nil)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        let after = try run(["console", "user", "list", "--json"], nil)
        #expect((after.jsonLines.first?["accounts"] as? [[String: Any]])?.first?["live_tokens"] as? Int == 0)
        let unknown = try run(["console", "token", "revoke", "0000000000000000"], nil)
        #expect(unknown.status == 67, "\(unknown.stderr)")

        let removed = try run(["console", "user", "remove", "ada.lovelace"], nil)
        #expect(removed.status == 0, "\(removed.stderr)")
        return token
    }

    @Test("add, list, issue and revoke a token in-process: the state directory holds neither the password nor the token")
    func inProcess() throws {
        let fixture = try ConsentFixture()
        let facegate = FacegateProcess()
        let token = try Self.manage { arguments, stdin in
            try facegate.run(arguments + ["--policy", fixture.policyPath], stdin: stdin)
        }
        #expect(Self.files(under: fixture.directory.path, containing: Self.password).isEmpty)
        #expect(Self.files(under: fixture.directory.path, containing: String(token.dropFirst(4))).isEmpty)
        let audit = try facegate.run(["export", "audit", "--policy", fixture.policyPath])
        let actions = audit.jsonLines.compactMap { $0["action"] as? String }.filter { $0.hasPrefix("console.") }
        #expect(actions == ["console.user.add", "console.token.add", "console.token.revoke", "console.user.remove"])
    }

    @Test("through a running daemon's socket, the password and the token reach no file and no log line")
    func throughTheSocket() throws {
        let fixture = try ConsentFixture()
        let facegate = FacegateProcess()
        // No camera: the socket is what is tested, and a door looping a clip only takes CPU.
        let daemon = try DaemonProcess(
            arguments: ["--source", "none", "--policy", fixture.policyPath, "--log-level", "trace"], socketPath: fixture.socketPath)
        let token = try Self.manage { arguments, stdin in
            try facegate.run(arguments + ["--socket", fixture.socketPath, "--policy", fixture.policyPath], stdin: stdin)
        }
        _ = daemon.stop()
        for secret in [Self.password, String(token.dropFirst(4))] {
            #expect(!daemon.errorText.contains(secret), "the daemon's log holds a secret")
            #expect(!daemon.events.contains { "\($0)".contains(secret) })
            #expect(Self.files(under: fixture.directory.path, containing: secret).isEmpty)
        }
    }
}
