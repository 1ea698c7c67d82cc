import FacegateCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// How the console answers: JSON for the API, HTML for pages, downloads for exports,
/// and an error's HTTP status from its code or exit status (one table for every route).
enum ConsoleResponse {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        text(value.serialized + "\n", type: "application/json; charset=utf-8", status: status)
    }

    static func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        text(page, type: "text/html; charset=utf-8", status: status)
    }

    static func text(_ body: String, type: String, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = type
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// After a form: 303 so that a reload does not post again.
    static func redirect(_ location: String, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    /// An export as a file the browser saves (never cached: `SecurityHeaders`).
    static func download(_ text: String, filename: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        return self.text(text, type: type, headers: headers)
    }

    static func apiError(_ error: any UserFacingError) -> Response {
        json(["error": error.json], status: status(for: error))
    }

    /// The HTTP status of a refusal: by code where the code says more than the exit
    /// status (sign-in, CSRF, size, lockout, a busy daemon), else by exit status.
    static func status(for error: any UserFacingError) -> HTTPResponse.Status {
        switch error.errorCode {
        case ConsoleError.Code.signInRequired.rawValue: return .unauthorized
        case ConsoleError.Code.locked.rawValue: return .tooManyRequests
        case "too_large", "photo_too_large": return .contentTooLarge
        case ConsoleError.Code.methodNotAllowed.rawValue: return .methodNotAllowed
        case ConsoleError.Code.hostNotServed.rawValue: return .misdirectedRequest
        case "busy": return .serviceUnavailable
        default: break
        }
        switch error.exitStatus {
        case .success, .partialFailure: return .ok
        case .usage, .noInput: return .badRequest
        case .dataError: return .unprocessableContent
        case .notFound: return .notFound
        case .noPermission: return .forbidden
        case .unavailable, .temporaryFailure: return .serviceUnavailable
        case .configuration, .failure: return .conflict
        case .software, .ioError: return .internalServerError
        }
    }
}
