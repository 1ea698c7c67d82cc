import Consent
import FacegateCore
import FacegateTestSupport
import Foundation
import Testing

/// The venue console over real HTTP against a real daemon (`run --source none`):
/// sign-in, roles, CSRF, every API route, bad uploads, TLS off loopback, and that no
/// uploaded photo reaches the disk.
@Suite("Venue console", .serialized, .perTestLimit)
struct ConsoleEndToEndTests {
    static let password = ConsoleDaemon.password

    typealias Console = ConsoleDaemon

    @Test("signing in opens a strict session; no credentials, a wrong password or a missing CSRF token are refused")
    func signsIn() throws {
        let console = try Console()
        let anonymous = console.client()
        #expect(try anonymous.request("GET", "/api/v1/subjects").status == 401)
        #expect(try anonymous.request("GET", "/api/v1/subjects").errorCode == "sign_in_required")
        let page = try anonymous.request("GET", "/identify")
        #expect(page.status == 303 && page.headers["location"] == "/login")
        let login = try anonymous.request("GET", "/login")
        #expect(login.headers["content-security-policy"]?.contains("script-src 'self'") == true)
        #expect(login.headers["content-security-policy"]?.contains("unsafe-inline") == false)
        #expect(login.headers["x-frame-options"] == "DENY" && login.headers["cache-control"] == "no-store")

        let wrong = console.client()
        #expect(try wrong.signIn("sam", "not the password at all").status == 401)
        #expect(wrong.cookies["fg_session"] == nil)

        let sam = console.client()
        let signedIn = try sam.signIn("sam", Self.password)
        #expect(signedIn.status == 303 && signedIn.headers["location"] == "/identify")
        let cookie = try #require(signedIn.setCookies.first { $0.hasPrefix("fg_session=") })
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"))
        #expect(sam.csrf != nil)
        #expect(try sam.request("GET", "/identify").status == 200)

        // A state-changing call with the session needs the session's CSRF token.
        let noToken = try sam.request("POST", "/api/v1/identify", body: try console.photo("obama.jpg"), contentType: "image/jpeg")
        #expect(noToken.status == 403 && noToken.errorCode == "csrf_invalid")
        let withToken = try sam.request(
            "POST", "/api/v1/identify", body: try console.photo("obama.jpg"), contentType: "image/jpeg",
            headers: ["X-CSRF-Token": sam.csrf!])
        #expect(withToken.status == 200, "\(withToken.text)")
        #expect((withToken.json["faces"] as? [[String: Any]])?.first?["decision"] as? String == "unknown")

        // Staff may not open the members page; signing out ends the session.
        #expect(try sam.request("GET", "/members").status == 403)
        let out = try sam.request(
            "POST", "/logout", body: Data("csrf=\(sam.csrf!)".utf8), contentType: "application/x-www-form-urlencoded")
        #expect(out.status == 303)
        sam.cookies["fg_session"] = cookie.split(separator: ";")[0].split(separator: "=")[1].description
        #expect(try sam.request("GET", "/api/v1/status").status == 401)

        // Five wrong passwords lock the account: then even the right one waits.
        let guesser = console.client()
        for attempt in 1...5 { #expect(try guesser.signIn("ben", "wrong guess number \(attempt)").status == 401) }
        #expect(try guesser.signIn("ben", Self.password).status == 429)
        let actions = try console.auditEntries().filter { $0["action"] as? String == "console.sign_in" }
        #expect(actions.contains { $0["actor"] as? String == "console:sam" })
        #expect(!actions.contains { ($0["actor"] as? String)?.contains("not the password") == true })
        #expect(console.daemon.stop() == 0)
    }

    @Test("roles decide: admins enrol and erase, staff identify by name, the DPO exports; every action names the console account")
    func rolesDecide() throws {
        let console = try Console()
        let obama = try console.enrol("Barack Obama", photos: ["obama.jpg", "obama2.jpg"])
        let group = try console.enrol("Ada Lovelace", photos: ["t1.jpg"], purposes: ["entry"])

        let staff = try console.identify("obama3.jpg", as: "sam")
        #expect(staff.status == 200, "\(staff.text)")
        let face = try #require((staff.json["faces"] as? [[String: Any]])?.first)
        #expect(face["decision"] as? String == "member" && face["subject"] as? String == obama && face["name"] as? String == "Barack Obama")
        // Door staff see a name and a decision, as the record of processing says: no
        // consent, visits or deny-list facts (those are an administrator's).
        #expect(face["purposes"] == nil && face["recent_visits"] == nil && face["incidents"] == nil, "\(face)")
        let adminView = try #require((try console.identify("obama3.jpg", as: "ana").json["faces"] as? [[String: Any]])?.first)
        #expect((adminView["purposes"] as? [String])?.contains("attendance-analytics") == true && adminView["incidents"] != nil)
        let crowd = try #require(try console.identify("t1.jpg", as: "ana").json["faces"] as? [[String: Any]])
        #expect(crowd.count >= 5)
        #expect(crowd.filter { $0["decision"] as? String == "member" }.map { $0["subject"] as? String } == [group])
        #expect(crowd.filter { $0["decision"] as? String == "unknown" }.allSatisfy { $0["name"] == nil && $0["subject"] is NSNull })

        #expect(try console.identify("obama3.jpg", as: "dee").status == 403)
        #expect(try console.client("sam").request("GET", "/api/v1/exports/consent_log").status == 403)
        let log = try console.client("dee").request("GET", "/api/v1/exports/consent_log")
        #expect(log.status == 200 && (log.json["content"] as? String)?.contains(obama) == true)
        #expect(try console.client("dee").request("GET", "/api/v1/subjects").status == 200)
        #expect(try console.client("dee").request("GET", "/api/v1/subjects/\(obama)").status == 200)
        #expect(try console.client("ana").request("GET", "/api/v1/exports/nothing").status == 404)

        // Admin pages show the name in the body, never in an address.
        let ana = console.client()
        try ana.signIn("ana", Self.password)
        let members = try ana.request("GET", "/members")
        #expect(members.status == 200 && members.text.contains("Barack Obama") && members.text.contains("/members/\(obama)"))
        let page = try ana.request("GET", "/members/\(obama)")
        #expect(page.status == 200 && page.text.contains("Consent history") && page.text.contains("/members/\(obama)/access.md"))
        let letter = try ana.request("GET", "/members/\(obama)/access.md")
        #expect(letter.status == 200 && letter.text.contains("Dear Barack Obama,") && letter.text.contains("## Your rights"))
        // The same letter as a page to print: shown, not downloaded, and no Markdown left in it.
        #expect(page.text.contains("/members/\(obama)/access.html"))
        let printable = try ana.request("GET", "/members/\(obama)/access.html")
        #expect(printable.status == 200 && printable.text.contains("<h2>Your rights</h2>") && printable.text.contains("Dear Barack Obama,"))
        #expect(!printable.text.contains("**") && !printable.text.contains("## "), "\(printable.text.prefix(600))")
        // More photos of the member from their page; someone else's face is refused there, saying why.
        #expect(page.text.contains("action=\"/members/\(obama)/photos\""))
        func addPhoto(_ name: String) throws -> ConsoleClient.Reply {
            let photo = try Data(contentsOf: URL(fileURLWithPath: TestResources.fixture(name)))
            let (body, type) = ConsoleClient.multipart(
                fields: [("csrf", ana.csrf ?? "")], files: [(field: "photo", filename: name, type: "image/jpeg", data: photo)])
            return try ana.request("POST", "/members/\(obama)/photos", body: body, contentType: type)
        }
        func templates() throws -> Int? { try console.cli(["status", "--json"]).jsonLines.first?["templates"] as? Int }
        let templatesBefore = try #require(try templates())
        let added = try addPhoto("obama2.jpg")
        #expect(
            added.status == 303 && added.headers["location"] == "/members/\(obama)?done=photos", "\(added.status) \(added.text.prefix(300))"
        )
        #expect(try templates() == templatesBefore + 1)
        let wrongFace = try addPhoto("biden.jpg")
        #expect((400..<500).contains(wrongFace.status) && wrongFace.text.contains("role=\"alert\""), "\(wrongFace.status)")
        #expect(try templates() == templatesBefore + 1)
        #expect(try console.client("sam").request("POST", "/members/\(obama)/photos").status == 403, "staff add no photos")
        let notConfirmed = try ana.request(
            "POST", "/members/\(obama)/erase", body: Data("csrf=\(ana.csrf!)&confirm=yes".utf8),
            contentType: "application/x-www-form-urlencoded")
        #expect(notConfirmed.status == 400)

        #expect(try console.client("sam").request("POST", "/api/v1/subjects/\(obama)/erase").status == 403)
        let withdrawn = try console.client("ana").request(
            "POST", "/api/v1/subjects/\(obama)/withdraw", body: Data(#"{"purposes":["attendance-analytics"]}"#.utf8),
            contentType: "application/json")
        #expect(withdrawn.status == 200 && withdrawn.json["erased"] as? Bool == false, "\(withdrawn.text)")
        let auditBefore = try console.auditEntries().count
        let erased = try ana.request(
            "POST", "/members/\(obama)/erase", body: Data("csrf=\(ana.csrf!)&confirm=erase".utf8),
            contentType: "application/x-www-form-urlencoded")
        #expect(erased.status == 303)
        // One click, one entry: the erasure, with the account and its role.
        let click = try console.auditEntries().dropFirst(auditBefore).filter { $0["action"] as? String != "export.audit" }
        #expect(click.map { $0["action"] as? String } == ["subject.erase"], "\(click)")
        #expect((click.first?["details"] as? [String: Any]).flatMap { ($0["by"] as? [String: Any])?["role"] as? String } == "admin")
        let after = try #require((try console.identify("obama3.jpg", as: "sam").json["faces"] as? [[String: Any]])?.first)
        #expect(after["decision"] as? String == "unknown" && after["name"] == nil)

        let entries = try console.auditEntries()
        let commands = entries.filter { $0["action"] as? String == "admin.command" }
        #expect(
            entries.contains {
                $0["action"] as? String == "subject.enrol" && $0["actor"] as? String == "console:ana"
                    && (($0["details"] as? [String: Any])?["by"] as? [String: Any])?["role"] as? String == "admin"
            })
        #expect(
            commands.contains {
                $0["actor"] as? String == "console:sam" && ($0["details"] as? [String: Any])?["outcome"] as? String == "not_permitted"
            })
        #expect(
            entries.contains { $0["action"] as? String == "subject.erase" && $0["actor"] as? String == "console:ana" }
                || entries.contains { ($0["action"] as? String)?.contains("eras") == true })
        #expect(console.daemon.stop() == 0)
    }

    @Test("the DPO's verify says what it checked: this device's key by default; an export intact under another key is not called verified")
    func verifyExport() throws {
        let console = try Console()
        let dee = console.client()
        try dee.signIn("dee", Self.password)
        let page = try dee.request("GET", "/dpo")
        let deviceKey = try #require(page.text.firstMatch(of: /id="device-key">([0-9a-f]{64})</).map { String($0.1) }, "\(page.text)")
        let ours = try dee.request("GET", "/dpo/exports/consent_log.jsonl").body
        func verify(_ export: Data, key: String = "") throws -> String {
            let (body, type) = ConsoleClient.multipart(
                fields: [("csrf", dee.csrf ?? ""), ("public_key", key)],
                files: [(field: "export", filename: "export.jsonl", type: "application/jsonl", data: export)])
            let reply = try dee.request("POST", "/dpo/verify", body: body, contentType: type)
            #expect(reply.status == 200, "\(reply.text)")
            return reply.text
        }
        let verdict = try verify(ours)
        #expect(verdict.contains("The export verifies: ") && verdict.contains("intact and signed with this device"), "\(verdict)")
        // Another device's export (its own keys): intact under the key it carries, which
        // anyone could have made; not called verified, and the key to compare is shown.
        let other = try ConsentFixture()
        let registry = try other.open()
        let foreign = try registry.exportConsentLog(format: .jsonl, actor: .system).text
        let foreignKey = try #require(foreign.firstMatch(of: /"public_key":"([0-9a-f]{64})"/).map { String($0.1) })
        registry.close()
        let unverified = try verify(Data(foreign.utf8))
        #expect(unverified.contains("Not verified as this device") && !unverified.contains("The export verifies"), "\(unverified)")
        #expect(unverified.contains(deviceKey) && foreignKey != deviceKey)
        #expect(try verify(Data(foreign.utf8), key: foreignKey).contains("intact and signed with the public key you entered"))
        var lines = foreign.split(separator: "\n").map(String.init)
        lines.insert(#"{"forged":true}"#, at: 1)
        let altered = lines.joined(separator: "\n") + "\n"
        #expect(try verify(Data(altered.utf8)).contains("The export does not verify"))
        // The sign for the door is on the same page, from the policy in force (its controller filled in).
        let sign = try dee.request("GET", "/dpo/sign.md")
        #expect(sign.status == 200 && sign.text.contains("**Riverside Climbing Club Ltd**"), "\(sign.status) \(sign.text)")
        #expect(sign.text.contains("Only when you stop at the marked spot") && !sign.text.contains("DRAFT"))
        #expect(console.daemon.stop() == 0)
    }

    @Test("bad uploads get a clear refusal with a status and a code, and the daemon stays up")
    func refusesBadUploads() throws {
        let console = try Console(
            edit: { $0.replacingOccurrences(of: "max_upload_mb = 25", with: "max_upload_mb = 1") }, accounts: [("ana", "admin")])
        let ana = console.client("ana")
        let corrupt = try ana.request("POST", "/api/v1/identify", body: Data(repeating: 0x41, count: 5000), contentType: "image/jpeg")
        #expect((400..<500).contains(corrupt.status) && corrupt.errorCode != nil, "\(corrupt.text)")
        let big = try ana.request("POST", "/api/v1/identify", body: Data(repeating: 0xFF, count: 3 << 20), contentType: "image/jpeg")
        #expect(big.status == 413 && big.errorCode == "too_large", "\(big.text)")
        #expect(try ana.request("POST", "/api/v1/identify", body: Data("hello".utf8), contentType: "text/plain").status == 400)
        #expect(try ana.request("POST", "/api/v1/identify", body: Data(), contentType: "image/jpeg").status == 400)
        let cut = Data("--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x\"\r\n\r\nabc".utf8)
        #expect(
            try ana.request("POST", "/api/v1/identify", body: cut, contentType: "multipart/form-data; boundary=b").errorCode
                == "invalid_request")
        let (noFace, type) = ConsoleClient.multipart(fields: [("name", "Nobody"), ("purposes", "entry")], files: [])
        #expect(try ana.request("POST", "/api/v1/subjects", body: noFace, contentType: type).status == 400)
        let (blank, blankType) = ConsoleClient.multipart(
            fields: [("name", "Nobody"), ("purposes", "entry")],
            files: [(field: "photo", filename: "blank.png", type: "image/png", data: Data(SyntheticPNG.gradient(width: 64, height: 64)))])
        #expect(try ana.request("POST", "/api/v1/subjects", body: blank, contentType: blankType).status == 422)
        #expect(try ana.request("POST", "/api/v1/subjects/not-a-subject/erase").status == 404)
        #expect(try ana.request("POST", "/api/v1/subjects/\(String(repeating: "0", count: 32))/erase").status == 404)
        #expect(try ana.request("GET", "/no/such/page").status == 404)
        #expect(
            try ana.request("POST", "/api/v1/subjects/\(String(repeating: "0", count: 32))/withdraw", body: Data("[1".utf8)).status == 400)
        #expect(try ana.request("GET", "/api/v1/status").status == 200)
        #expect(console.daemon.process.isRunning)
        #expect(console.daemon.stop() == 0)
    }

    @Test("after 30 uploads no byte of the photo is on the disk, in the state directory or any temporary directory")
    func noPhotoOnDisk() throws {
        let console = try Console(accounts: [("sam", "staff")])
        let photo = try console.photo("obama2.jpg")
        let started = Date()
        for _ in 0..<30 {
            let reply = try console.identify("obama2.jpg", as: "sam")
            #expect(reply.status == 200)
        }
        #expect(console.daemon.stop() == 0)
        // A run of bytes from the middle of the JPEG's entropy-coded data.
        let probe = photo.subdata(in: (photo.count / 2)..<(photo.count / 2 + 64))
        let fixtures = URL(fileURLWithPath: TestResources.fixtureDirectory).resolvingSymlinksInPath().path
        var scanned = 0
        for root in [console.fixture.directory.path, NSTemporaryDirectory(), "/tmp", "/var/tmp", "/dev/shm"] {
            guard let walker = FileManager.default.enumerator(atPath: root) else { continue }
            for case let relative as String in walker {
                let path = root + "/" + relative
                guard !path.hasPrefix(fixtures), let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                    attributes[.type] as? FileAttributeType == .typeRegular,
                    let modified = attributes[.modificationDate] as? Date, modified >= started,
                    let size = attributes[.size] as? Int, size >= probe.count, size < 256 << 20,
                    let data = FileManager.default.contents(atPath: path)
                else { continue }
                scanned += 1
                #expect(data.range(of: probe) == nil, "photo bytes found in \(path)")
            }
        }
        #expect(scanned > 0)
    }

    @Test("an address off this machine needs TLS: refused without it (78), served over HTTPS with it")
    func tlsOffLoopback() throws {
        let fixture = try ConsentFixture()
        let refused = try FacegateProcess().run(["run", "--source", "none", "--console", "0.0.0.0:18443", "--policy", fixture.policyPath])
        #expect(
            refused.status == 78 && refused.stderr.contains("console_tls_required") || refused.stderr.contains("without TLS"),
            "\(refused.stderr)")
        let certificate = fixture.directory.file("console.crt"), key = fixture.directory.file("console.key")
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-keyout", key, "-out", certificate,
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        let policy = try String(contentsOfFile: fixture.policyPath, encoding: .utf8).replacingOccurrences(
            of: "# tls_certificate = \"/etc/facegate/console.crt\"", with: "tls_certificate = \"\(certificate)\""
        ).replacingOccurrences(of: "# tls_key = \"/etc/facegate/console.key\"", with: "tls_key = \"\(key)\"")
        try policy.write(toFile: fixture.policyPath, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(
            arguments: ["--source", "none", "--policy", fixture.policyPath, "--log-level", "info"], socketPath: fixture.socketPath)
        let base = try Console.address(of: daemon)
        #expect(base.hasPrefix("https://"))
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sS", "-k", "-i", base + "/login"]
        let out = Pipe()
        curl.standardOutput = out
        try curl.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        curl.waitUntilExit()
        #expect(text.contains("200 OK") && text.contains("Strict-Transport-Security") && text.contains("Secure"), "\(text.prefix(600))")
        #expect(daemon.stop() == 0)
    }

    @Test("the OpenAPI document is served and every path it names answers (401 without credentials, never 404)")
    func openAPI() throws {
        let console = try Console(accounts: [])
        let anonymous = console.client()
        let document = try anonymous.request("GET", "/api/v1/openapi.json")
        #expect(document.status == 200 && document.json["openapi"] as? String == "3.1.0")
        let paths = try #require(document.json["paths"] as? [String: [String: Any]])
        #expect(paths.count >= 7)
        for (path, operations) in paths {
            let concrete = path.replacingOccurrences(of: "{subject}", with: String(repeating: "a", count: 32))
                .replacingOccurrences(of: "{kind}", with: "audit")
            for method in operations.keys {
                #expect(try anonymous.request(method.uppercased(), concrete).status == 401, "\(method) \(path)")
            }
        }
        #expect(console.daemon.stop() == 0)
    }
}
