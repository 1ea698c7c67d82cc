/// A detected face's rectangle in the coordinates of the original image, in dlib's
/// convention (right and bottom inclusive), possibly reaching past the image edges.
public struct FaceBox: Sendable, Equatable, Hashable {
    public var left: Int
    public var top: Int
    public var right: Int
    public var bottom: Int
    /// The detector's score (higher is more certain).
    public var confidence: Double
    /// Which detector found the face (HOG unless a fallback or the CNN did).
    public var pass: DetectionPass = .hog

    public init(left: Int, top: Int, right: Int, bottom: Int, confidence: Double = 0, pass: DetectionPass = .hog) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
        self.confidence = confidence
        self.pass = pass
    }

    /// The same box, said to be found by `pass` (a fallback).
    func found(by pass: DetectionPass) -> FaceBox {
        var box = self
        box.pass = pass
        return box
    }

    public var width: Int { right - left + 1 }
    public var height: Int { bottom - top + 1 }
    public var area: Int { max(0, width) * max(0, height) }
    public var centerX: Double { Double(left + right) / 2 }
    public var centerY: Double { Double(top + bottom) / 2 }

    /// The box clipped to the image the way face_recognition reports it
    /// (`max(top, 0)`, `min(right, width)`, `min(bottom, height)`, `max(left, 0)`).
    public func clipped(width imageWidth: Int, height imageHeight: Int) -> FaceBox {
        FaceBox(
            left: max(left, 0), top: max(top, 0),
            right: min(right, imageWidth), bottom: min(bottom, imageHeight),
            confidence: confidence, pass: pass)
    }

    /// Intersection over union with another box, 0 when they do not overlap.
    public func intersectionOverUnion(_ other: FaceBox) -> Double {
        let l = max(left, other.left), t = max(top, other.top)
        let r = min(right, other.right), b = min(bottom, other.bottom)
        guard r >= l, b >= t else { return 0 }
        let inter = Double((r - l + 1) * (b - t + 1))
        return inter / (Double(area) + Double(other.area) - inter)
    }
}

/// The five points of dlib's 5-point model (eye corners and the base of the nose)
/// fitted inside a box.
public struct FaceLandmarks: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
    }

    public var box: FaceBox
    public var points: [Point]
}
