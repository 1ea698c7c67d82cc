import FacegateCore
public import Hummingbird
import Logging
import NIOCore

/// What the console knows about one request: where it came from (for the sign-in
/// throttle) and who made it, once `ConsoleAuthentication` has looked.
public struct ConsoleContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's IP address, or `unknown`.
    public let client: String
    /// The signed-in browser, if the request came with a live session cookie.
    public var session: ConsoleSession?
    /// The account of a bearer token, if the request came with one.
    public var tokenAccount: ConsoleAccountRef?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        client = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}
