import Consent
import FacegateCore
import HTTPTypes
import Hummingbird
import Logging

/// Answers only requests that name a host the console is reached by: an IP address,
/// `localhost` when it listens on loopback, the host it listens on, and the policy's
/// `[console] host_names`. Anything else is 421 before any route runs, `/metrics` and
/// the sign-in page included.
///
/// Why: a web page a member of staff opens elsewhere can have its own name rebound to
/// this box's address (DNS rebinding); the browser then sends that name as `Host` and
/// lets the page read the answers as its own. A page cannot make a browser send an IP
/// address or `localhost` for its own name, so those stay allowed.
struct HostCheck<Context: RequestContext>: RouterMiddleware {
    let loopback: Bool
    let names: Set<String>

    init(listen: ConsoleListen, settings: Policy.Console) {
        loopback = listen.isLoopback
        var names = Set(settings.hostNames)
        if case .address(let host, _) = listen, !ConsoleListen.isAddressLiteral(host) { names.insert(host.lowercased()) }
        self.names = names
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let authority = request.head.authority, let host = Self.host(of: authority) else {
            return refusal(request, ConsoleError(.invalidRequest, "the request names no host (HTTP/1.1 requires a Host header)"))
        }
        guard ConsoleListen.isAddressLiteral(host) || (loopback && host == "localhost") || names.contains(host) else {
            return refusal(
                request,
                ConsoleError(
                    .hostNotServed,
                    "this console does not answer for the host name in this request; use its address, or add the name to [console] host_names in the policy"
                ))
        }
        return try await next(request, context)
    }

    /// The host of an authority (`name:port`, `[v6]:port`), lower-cased, without a
    /// trailing dot; nil when it is empty.
    static func host(of authority: String) -> String? {
        var text = authority.trimmingWhiteSpace.lowercased()
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            text = String(text[text.index(after: text.startIndex)..<close])
        } else if let colon = text.lastIndex(of: ":") {
            text = String(text[..<colon])
        }
        if text.hasSuffix(".") { text.removeLast() }
        return text.isEmpty ? nil : text
    }

    private func refusal(_ request: Request, _ error: ConsoleError) -> Response {
        if request.uri.path.hasPrefix("/api/") { return ConsoleResponse.apiError(error) }
        return ConsoleResponse.text(error.message + "\n", type: "text/plain; charset=utf-8", status: ConsoleResponse.status(for: error))
    }
}
