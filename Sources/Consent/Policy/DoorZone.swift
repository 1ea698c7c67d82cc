/// The marked spot at the door, as fractions of the frame (`[x0, y0, x1, y1]`, 0 at
/// the left and top): where a person stands to be recognised under the `zone` and
/// `claim` triggers. The default is the frame's centre, as wide as half the frame and
/// as tall as most of it: a person who steps up to a door camera fills it.
public struct DoorZone: Sendable, Equatable {
    public var x0: Double
    public var y0: Double
    public var x1: Double
    public var y1: Double

    public static let `default` = DoorZone(x0: 0.25, y0: 0.1, x1: 0.75, y1: 0.9)

    public init(x0: Double, y0: Double, x1: Double, y1: Double) {
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
    }

    /// Whether the point (`x`, `y`), in fractions of the frame, is inside.
    public func contains(x: Double, y: Double) -> Bool {
        x >= x0 && x <= x1 && y >= y0 && y <= y1
    }

    public var array: [Double] { [x0, y0, x1, y1] }
}
