import Synchronization

/// The door's face tracker behind its lock, shared by the detection thread (every
/// frame) and the door desk (a card presented marks the faces at the door).
final class SharedTracker: Sendable {
    private let tracker: Mutex<FaceTracker>

    init(_ tracker: FaceTracker) { self.tracker = Mutex(tracker) }

    func withLock<Result>(_ body: (inout FaceTracker) -> Result) -> Result {
        tracker.withLock { body(&$0) }
    }
}
