public import FaceEngine

/// One admin command with the images that came with it, as a front door hands it to
/// the dispatcher: the CLI builds it, the socket session decodes it from a line
/// (`{"v":1,"id":"…","cmd":"erase","args":{"subject":"…"}}`).
public struct AdminRequest: Sendable {
    public static let protocolVersion = 1

    public var id: String
    public var command: AdminCommand
    /// Images that came with the request (uploaded over the socket, or files named on
    /// the command line, or camera frames). Never written anywhere.
    public var images: [ImageSource]

    public init(id: String = "1", _ command: AdminCommand, images: [ImageSource] = []) {
        self.id = id
        self.command = command
        self.images = images
    }
}
