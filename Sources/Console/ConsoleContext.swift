import FacegateCore
public import Hummingbird
import Logging
import NIOCore

/// What the console knows about one request beyond the request itself: where it
/// came from (for the sign-in throttle). Who made it is `VenueConsole.account`'s answer.
public struct ConsoleContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's IP address, or `unknown`.
    public let client: String
    /// The connection, which a stalled event stream closes (`VenueConsole+Door`).
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        client = source.channel.remoteAddress?.ipAddress ?? "unknown"
        channel = source.channel
    }
}
