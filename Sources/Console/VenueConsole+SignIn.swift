import Consent
import Dispatch
import FacegateCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Signing in and out. The sign-in form carries a token matched against a short-lived
/// cookie (login CSRF); a right password opens a session (an `HttpOnly`,
/// `SameSite=Strict` cookie, `Secure` under TLS); wrong ones count towards the lockout.
/// Every attempt is audited; an unknown name is not written down (it may be a
/// password typed in the wrong box).
extension VenueConsole {
    static let signInCookie = "fg_signin"

    func addSignIn(to router: Router<ConsoleContext>) {
        router.get("/login") { request, _ in self.signInPage(message: nil, request: request) }
        router.post("/login") { request, context in await self.signIn(request, context) }
        router.post("/logout") { request, context in
            do {
                var buffer = try await self.body(request)
                let fields = FormFields(buffer.readString(length: buffer.readableBytes) ?? "")
                let (account, session) = try self.account(request, context)
                try self.checkCSRF(session, request, field: fields.value("csrf"))
                if let session { self.sessions.close(session.id) }
                self.audit(account, "console.sign_out", [:])
            } catch {}
            return ConsoleResponse.redirect("/login", headers: self.clearing(Self.sessionCookie))
        }
    }

    private func signInPage(message: String?, request: Request, status: HTTPResponse.Status = .ok) -> Response {
        let token = RandomToken.hex(16)
        var headers = HTTPFields()
        headers[.setCookie] = cookie(Self.signInCookie, token, maxAge: 900)
        var response = ConsoleResponse.html(
            pages.render("login", ["csrf": token, "message": message ?? false], account: nil), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    private func signIn(_ request: Request, _ context: ConsoleContext) async -> Response {
        var buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: 16 << 10) } catch {
            return signInPage(message: "The form was too large.", request: request, status: .contentTooLarge)
        }
        var text = buffer.readString(length: buffer.readableBytes) ?? ""
        Self.wipe(&buffer)
        let fields = FormFields(text)
        text = ""
        guard let expected = request.cookies[Self.signInCookie]?.value,
            Self.constantTimeEqual(fields.value("csrf") ?? "", expected)
        else {
            return signInPage(message: "The sign-in form expired; try again.", request: request, status: .forbidden)
        }
        let name = (fields.value("name") ?? "").trimmingWhiteSpace.lowercased()
        var password = Array((fields.value("password") ?? "").utf8)
        defer { password.withUnsafeMutableBytes { wipeMemory($0.baseAddress, $0.count) } }
        if let wait = throttle.wait(name: name, client: context.client) {
            return signInPage(
                message: "Too many wrong passwords: try again in \(Int(wait / 60) + 1) minutes.", request: request, status: .tooManyRequests
            )
        }
        let account: ConsoleAccount?
        do { account = try await checkPassword(name, password) } catch {
            logger.error("console sign-in could not read the accounts", metadata: ["error": "\(error)"])
            return signInPage(
                message: "The console cannot check passwords now; see the device's log.", request: request, status: .serviceUnavailable)
        }
        guard let account else {
            let locked = throttle.failed(name: name, client: context.client)
            let known = (try? registry.accounts.list().contains { $0.name == name }) ?? false
            audit(
                known ? ConsoleAccount(name: name, role: .staff).actor : OSUser.console, "console.sign_in",
                ["outcome": .string(known ? "wrong_password" : "unknown_account"), "locked": .bool(locked)])
            return signInPage(message: "Wrong name or password.", request: request, status: .unauthorized)
        }
        throttle.succeeded(name: name)
        let session = sessions.open(for: account)
        audit(account, "console.sign_in", ["outcome": "ok"])
        var headers = clearing(Self.signInCookie)
        headers.append(
            HTTPField(name: .setCookie, value: cookie(Self.sessionCookie, session.id, maxAge: Int(settings.sessionHours * 3600))))
        return ConsoleResponse.redirect(account.role == .dpo ? "/dpo" : "/identify", headers: headers)
    }

    /// Checks a password off the server's event loop, one at a time: an Argon2id
    /// verification takes 64 MiB and a good part of a second on a small board, so
    /// sign-ins sent at once queue here instead of multiplying the daemon's memory or
    /// stalling every other request.
    private func checkPassword(_ name: String, _ password: [UInt8]) async throws -> ConsoleAccount? {
        let accounts = registry.accounts
        return try await withCheckedThrowingContinuation { continuation in
            Self.passwordChecks.async {
                continuation.resume(with: Result { try accounts.authenticate(name, password: password) })
            }
        }
    }

    static let passwordChecks = DispatchQueue(label: "facegate.console.password-checks", qos: .utility)

    func cookie(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (tls ? "; Secure" : "")
    }

    func clearing(_ name: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.setCookie] = cookie(name, "", maxAge: 0)
        return headers
    }

    /// Audits a console event; a failed write is logged (the request was answered).
    func audit(_ account: ConsoleAccount, _ action: String, _ details: JSONObject) {
        audit(account.actor, action, details)
    }

    func audit(_ actor: OSUser, _ action: String, _ details: JSONObject) {
        do { try registry.recordAudit(actor: actor, action: action, details: details) } catch {
            logger.error("writing an audit entry failed", metadata: ["audit.action": "\(action)", "error": "\(error)"])
        }
    }
}

extension OSUser {
    /// The actor of console events no account can be named for (an unknown name).
    static let console = OSUser(uid: ConsoleAccount.consoleUID, gid: ConsoleAccount.consoleUID, name: "console")
}
