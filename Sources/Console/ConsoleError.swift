public import FacegateCore
import Logging

/// Why the console refused a request or could not start: codes the API returns in
/// `{"error":{"code":…}}`, each with the exit status `run` ends with when it cannot
/// start, and (`ConsoleResponses.status`) the HTTP status a request gets.
public struct ConsoleError: Error, Sendable, Equatable, ModuleError {
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// A non-loopback address without a certificate and key: passwords and faces
        /// would cross the network in clear.
        case tlsRequired = "console_tls_required"
        /// The certificate or key cannot be read or used.
        case tlsInvalid = "console_tls_invalid"
        /// No session and no token (HTTP 401).
        case signInRequired = "sign_in_required"
        /// A form or API call with a session but without its CSRF token (HTTP 403).
        case csrfInvalid = "csrf_invalid"
        /// Too many wrong passwords (HTTP 429).
        case locked = "sign_in_locked"
        /// A body over the policy's `console.max_upload_mb` (HTTP 413).
        case tooLarge = "too_large"
        /// A body that is not what the route takes (HTTP 400).
        case invalidRequest = "invalid_request"
        /// A role that may not use the page or route (HTTP 403).
        case notPermitted = "not_permitted"
        /// No such page, subject or export (HTTP 404).
        case notFound = "not_found"
        /// As many uploads are in memory as the console allows at once (HTTP 503).
        case busy = "busy"
        /// An API path asked with a method it does not take (HTTP 405, with `Allow`).
        case methodNotAllowed = "method_not_allowed"
        /// The address cannot be listened on (in use, not this machine's).
        case cannotListen = "console_cannot_listen"
        /// A request naming a host the console is not configured for (HTTP 421): a page
        /// whose name was rebound to this box must not read it.
        case hostNotServed = "host_not_served"
    }

    public let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

extension ConsoleError.Code: ErrorCode {
    public var exitStatus: ExitStatus {
        switch self {
        case .tlsRequired, .tlsInvalid: .configuration
        case .signInRequired, .csrfInvalid, .notPermitted: .noPermission
        case .locked: .temporaryFailure
        case .tooLarge, .invalidRequest, .methodNotAllowed, .hostNotServed: .usage
        case .notFound: .notFound
        case .cannotListen: .unavailable
        case .busy: .temporaryFailure
        }
    }
}
