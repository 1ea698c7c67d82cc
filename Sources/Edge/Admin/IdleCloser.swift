import NIOCore

/// Closes a connection that has sent nothing for the idle timeout, unless its last
/// request is still being worked on (an identification under load can take longer).
final class IdleCloser: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let activity: ConnectionActivity
    init(activity: ConnectionActivity) { self.activity = activity }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            if !activity.isBusy { context.close(promise: nil) }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
