/// One scene of a `make-clip` video: `PATH:SECONDS[:FACE_PX[:X,Y[:X2,Y2]]]` or
/// `blank:SECONDS`. With FACE_PX the photo is scaled so that its largest face is
/// FACE_PX wide, its centre at (X, Y) in fractions of the frame (default the middle);
/// with X2,Y2 the face moves there in a straight line over the scene: a passer-by
/// crossing the picture, or a person stepping up to the door. FACE_PX written `A-B`
/// grows the face from A to B pixels over the scene as someone walking towards the
/// camera at a steady pace would: a face's width is inversely proportional to its
/// distance, so it is the distance, not the width, that changes evenly.
public struct ClipScene: Sendable, Equatable {
    /// A point of the frame, in fractions of its width and height.
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double

        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }

        public static let centre = Point(x: 0.5, y: 0.5)
    }

    /// The photo; nil for a blank scene.
    public var path: String?
    public var seconds: Double
    /// The width the photo's largest face is scaled to; nil fits the whole photo.
    public var facePixels: Int?
    /// The width it ends the scene at, when it grows (or shrinks) over the scene.
    public var facePixelsEnd: Int?
    public var from: Point
    /// Where the face ends the scene; nil when it stays still.
    public var to: Point?

    public init(parsing text: String) throws(ClipError) {
        let fields = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let usage = "scene '\(text)' must be PATH:SECONDS[:FACE_PX[:X,Y[:X2,Y2]]] (X and Y fractions of the frame, 0-1) or blank:SECONDS"
        guard (2...5).contains(fields.count), !fields[0].isEmpty, let seconds = Double(fields[1]), seconds > 0, seconds.isFinite else {
            throw ClipError(.invalidArgument, usage)
        }
        self.seconds = seconds
        path = fields[0] == "blank" ? nil : fields[0]
        from = .centre
        if fields.count >= 3 {
            let sizes = fields[2].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard path != nil, (1...2).contains(sizes.count), sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw ClipError(.invalidArgument, usage + "; FACE_PX may be A-B for a face growing from A to B pixels")
            }
            facePixels = sizes[0]
            facePixelsEnd = sizes.count == 2 ? sizes[1] : nil
        }
        if fields.count >= 4 {
            guard let point = Self.point(fields[3]) else { throw ClipError(.invalidArgument, usage) }
            from = point
        }
        if fields.count == 5 {
            guard let point = Self.point(fields[4]) else { throw ClipError(.invalidArgument, usage) }
            to = point
        }
    }

    /// The face's width at `progress` (0 at the scene's first frame, 1 at its last): the
    /// distance (1 / width) moves evenly, so the face grows slowly far away and fast
    /// close up, as it does when someone walks up at a steady pace.
    public func facePixels(at progress: Double) -> Int? {
        guard let start = facePixels else { return nil }
        guard let end = facePixelsEnd else { return start }
        let t = max(0, min(1, progress))
        let distance = (1 - t) / Double(start) + t / Double(end)
        return Int((1 / distance).rounded())
    }

    /// Whether every frame of the scene is the same picture.
    public var isStill: Bool { to == nil && facePixelsEnd == nil }

    /// Where the face's centre is at `progress` (0 at the scene's first frame, 1 at its last).
    public func position(at progress: Double) -> Point {
        guard let to else { return from }
        let t = max(0, min(1, progress))
        return Point(x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t)
    }

    private static func point(_ text: String) -> Point? {
        let parts = text.split(separator: ",").compactMap { Double($0) }
        guard parts.count == 2, parts.allSatisfy({ (0...1).contains($0) }) else { return nil }
        return Point(x: parts[0], y: parts[1])
    }
}
