import FacegateCore
import HTTPTypes
import Hummingbird
import Logging

/// Headers on every answer: a strict Content-Security-Policy (scripts and styles from
/// the console itself only, no inline script, nothing framed), no caching of anything
/// but the static assets (pages show people), no MIME sniffing, no referrer (a page's
/// address never leaves the box), and HSTS under TLS. An error the router throws (no
/// route: 404) becomes its answer here, so that it gets the headers too; under `/api/`
/// it is the API's JSON error.
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
    let tls: Bool

    static var contentSecurityPolicy: String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; media-src 'self' blob: mediastream:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && request.uri.path.hasPrefix("/api/") {
            response = ConsoleResponse.apiError(
                ConsoleError(.notFound, "no API route \(request.method.rawValue) \(request.uri.path.prefix(80)); see /api/v1/openapi.json"))
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[HTTPField.Name("Permissions-Policy")!] = "camera=(self), microphone=(), geolocation=()"
        response.headers[.cacheControl] = request.uri.path.hasPrefix("/assets/") ? "private, max-age=300" : "no-store"
        if tls { response.headers[.strictTransportSecurity] = "max-age=31536000" }
        return response
    }
}
