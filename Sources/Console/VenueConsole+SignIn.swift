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
        // A name outside the accounts' grammar names nobody: refused at once, with no
        // password check and no run of its own (NUL, spaces or case tricks cannot give a
        // guesser fresh tries at a real account).
        guard ConsoleAccounts.isValidName(name) else {
            return signInPage(message: "Wrong name or password.", request: request, status: .unauthorized)
        }
        // The try is counted before its password is checked: guesses sent at once
        // reserve their tries one by one and the rest wait, as if sent in a row.
        let ticket: LoginThrottle.Ticket
        let known = devices.isKnown(request.cookies[KnownDevices.cookie]?.value, for: name)
        switch throttle.begin(name: name, client: context.client, knownDevice: known) {
        case .success(let reserved): ticket = reserved
        case .failure(let wait): return tooManyTries(wait, request: request)
        }
        let standing: ConsoleAccountStanding?
        do { standing = try await checkPassword(name, password) } catch {
            throttle.abandoned(ticket)
            logger.error("console sign-in could not read the accounts", metadata: ["error": "\(error)"])
            return signInPage(
                message: "The console cannot check passwords now; see the device's log.", request: request, status: .serviceUnavailable)
        }
        guard let standing else {
            let wait = throttle.failed(ticket)
            let exists = (try? registry.accounts.standing(of: name)) != nil
            audit(
                exists ? ConsoleAccount(name: name, role: .staff).actor : OSUser.console, "console.sign_in",
                ["outcome": .string(exists ? "wrong_password" : "unknown_account"), "locked": .bool(wait > 0)])
            guard wait == 0 else {
                return tooManyTries(.init(seconds: wait, accountWide: false), request: request, status: .unauthorized, wrong: true)
            }
            return signInPage(message: "Wrong name or password.", request: request, status: .unauthorized)
        }
        throttle.succeeded(ticket)
        let account = standing.account
        let session = sessions.open(for: standing)
        audit(account, "console.sign_in", ["outcome": "ok"])
        var headers = clearing(Self.signInCookie)
        headers.append(
            HTTPField(name: .setCookie, value: cookie(Self.sessionCookie, session.id, maxAge: Int(settings.sessionHours * 3600))))
        headers.append(
            HTTPField(
                name: .setCookie, value: cookie(KnownDevices.cookie, devices.remember(account.name), maxAge: KnownDevices.maximumAgeSeconds)
            ))
        return ConsoleResponse.redirect(account.role == .dpo ? "/dpo" : "/identify", headers: headers)
    }

    /// The sign-in page saying how long to wait before the next try of this account from
    /// this address (and a `Retry-After` header saying the same to a script).
    private func tooManyTries(
        _ held: LoginThrottle.Wait, request: Request, status: HTTPResponse.Status = .tooManyRequests, wrong: Bool = false
    ) -> Response {
        let wait = Int(held.seconds.rounded(.up))
        let when = wait < 90 ? "\(wait) seconds" : "\(Int((Double(wait) / 60).rounded(.up))) minutes"
        let lead = wrong ? "Wrong name or password. Too many wrong passwords" : "Too many wrong passwords"
        let scope =
            held.accountWide
            ? "for this account from several addresses (a browser that signed in to it before is not held)"
            : "for this account from this address"
        var response = signInPage(
            message: "\(lead) \(scope): try again in \(when), at \(Timestamp.iso8601(clock.now() + Double(wait))).",
            request: request, status: status)
        response.headers[.retryAfter] = String(wait)
        return response
    }

    /// Checks a password off the server's event loop, one at a time: an Argon2id
    /// verification takes 64 MiB and a good part of a second on a small board, so
    /// sign-ins sent at once queue here instead of multiplying the daemon's memory or
    /// stalling every other request.
    private func checkPassword(_ name: String, _ password: [UInt8]) async throws -> ConsoleAccountStanding? {
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
