import FacegateCore
import HTTPTypes
import Hummingbird
import Logging

/// Answers 405 Method Not Allowed, with `Allow`, when a request's path is one of the
/// API's routes but its method is not (RFC 9110 §15.5.6): the router alone would say
/// 404, as if the route did not exist. Added to the router after every route, so that
/// it wraps only the router's "no route" answer.
struct MethodNotAllowed<Context: RequestContext>: RouterMiddleware {
    let prefix: String
    /// Each route's path split into segments (`:name` matches any one segment), with
    /// the methods it takes, in the order they were added.
    private(set) var routes: [(segments: [Substring], methods: [HTTPRequest.Method])] = []

    init(prefix: String) { self.prefix = prefix }

    mutating func add(_ method: HTTPRequest.Method, _ path: String) {
        let segments = (prefix + path).split(separator: "/")
        if let index = routes.firstIndex(where: { $0.segments == segments }) {
            routes[index].methods.append(method)
        } else {
            routes.append((segments, [method]))
        }
    }

    /// The methods the route at `path` takes, or nil when no route is there.
    func methods(at path: String) -> [HTTPRequest.Method]? {
        let asked = path.split(separator: "/")
        return routes.first { route in
            route.segments.count == asked.count
                && zip(route.segments, asked).allSatisfy { pattern, segment in pattern.hasPrefix(":") || pattern == segment }
        }?.methods
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let methods = methods(at: request.uri.path), !methods.contains(request.method) else { throw error }
            let allow = methods.map(\.rawValue).joined(separator: ", ")
            var response = ConsoleResponse.apiError(
                ConsoleError(.methodNotAllowed, "\(request.method.rawValue.prefix(20)) is not a method of this route; it takes \(allow)"))
            response.headers[.allow] = allow
            return response
        }
    }
}
