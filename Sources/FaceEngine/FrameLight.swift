/// How much light a frame had, as the door reports it: enough, dark enough to be
/// enhanced before detection, or too dark for enhancement to give HOG a face (the
/// door then needs a lamp or an infrared camera, and `status`, the console, `/metrics`
/// and `doctor` say so).
public enum FrameLight: String, Sendable, Equatable {
    case normal
    case enhanced
    case tooDark = "too_dark"
}
