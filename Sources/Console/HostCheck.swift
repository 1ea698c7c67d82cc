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
        // The first Host header is the authority; a second is left among the fields.
        guard let authority = request.head.authority, let host = Self.host(of: authority),
            request.headers[values: HTTPField.Name("Host")!].isEmpty
        else {
            return refusal(
                request,
                ConsoleError(.invalidRequest, "the request needs exactly one well-formed Host header (HTTP/1.1: host or host:port)"))
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

    /// The host of an authority (`name`, `name:port`, `[v6]`, `[v6]:port`), lower-cased,
    /// without a trailing dot; nil when it is malformed (a port that is not digits,
    /// anything after the brackets but a port, an IPv6 address without brackets).
    static func host(of authority: String) -> String? {
        let text = String(authority.trimmingWhiteSpace.lowercased())
        var host: Substring
        var port: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { return nil }
                port = rest.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        } else {
            host = text[...]
        }
        if let port, port.isEmpty || port.count > 5 || !port.allSatisfy({ ("0"..."9").contains($0) }) { return nil }
        if host.hasSuffix(".") { host = host.dropLast() }
        return host.isEmpty ? nil : String(host)
    }

    private func refusal(_ request: Request, _ error: ConsoleError) -> Response {
        if request.uri.path.hasPrefix("/api/") { return ConsoleResponse.apiError(error) }
        return ConsoleResponse.text(error.message + "\n", type: "text/plain; charset=utf-8", status: ConsoleResponse.status(for: error))
    }
}
