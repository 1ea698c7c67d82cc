/// Which detector, in which pass, found a face: reports say it, so that a face found
/// only by a fallback (a small or turned face) can be told from one HOG saw at once.
public enum DetectionPass: String, Sendable, CaseIterable {
    /// HOG at the resolution the options asked for (the first pass).
    case hog
    /// HOG again with one more doubling, after the first pass found no face.
    case hogRetry = "hog-retry"
    /// dlib's MMOD CNN: asked for (`--detector cnn`), or the last fallback.
    case cnn
    /// HOG on the low-light enhanced copy of a dark photo in which nothing was found.
    case hogEnhanced = "hog-enhanced"
    /// MMOD on the low-light enhanced copy of a dark photo: the very last fallback.
    case cnnEnhanced = "cnn-enhanced"
}
