import Synchronization

/// Hands the door's events to whoever watches them live (the console's door pages),
/// without ever holding up the door: `publish` only appends to each subscriber's
/// small buffer, and a subscriber that does not keep up (a stalled browser) loses its
/// oldest events instead of slowing the pipeline. The number of subscribers is capped,
/// and `close` (the daemon stopping) ends every subscription so that no open page
/// keeps the daemon from exiting.
public final class DoorEventHub: Sendable {
    /// Door pages that may watch at once: a venue has a tablet or two at its door.
    public static let defaultSubscriberLimit = 8
    /// Events a subscriber may fall behind by before its oldest are dropped.
    public static let defaultBuffer = 32

    private struct State {
        var subscribers: [Int: AsyncStream<DoorEvent>.Continuation] = [:]
        var nextID = 0
        var closed = false
        var dropped = 0
    }

    public let subscriberLimit: Int
    public let buffer: Int
    private let state = Mutex(State())

    public init(subscriberLimit: Int = DoorEventHub.defaultSubscriberLimit, buffer: Int = DoorEventHub.defaultBuffer) {
        self.subscriberLimit = max(1, subscriberLimit)
        self.buffer = max(1, buffer)
    }

    /// Why a subscription was refused.
    public enum Refusal: Error, Sendable, Equatable {
        /// `subscriberLimit` subscribers already watch.
        case full
        /// The daemon is stopping.
        case closed
    }

    /// A stream of the events published from now on, until `close` or until the
    /// subscriber stops iterating (its slot is freed then).
    public func subscribe() throws(Refusal) -> AsyncStream<DoorEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: DoorEvent.self, bufferingPolicy: .bufferingNewest(buffer))
        let id: Int = try state.withLock { (state) throws(Refusal) -> Int in
            guard !state.closed else { throw .closed }
            guard state.subscribers.count < subscriberLimit else { throw .full }
            state.nextID += 1
            state.subscribers[state.nextID] = continuation
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return stream
    }

    /// Offers `event` to every subscriber; never waits.
    public func publish(_ event: DoorEvent) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        var dropped = 0
        for subscriber in subscribers {
            if case .dropped = subscriber.yield(event) { dropped += 1 }
        }
        if dropped > 0 { state.withLock { $0.dropped += dropped } }
    }

    /// Ends every subscription and refuses new ones.
    public func close() {
        let subscribers = state.withLock { state in
            state.closed = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }

    /// Whether `close` was called (the daemon is stopping).
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Subscribers watching now.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Events dropped, over all subscribers, because one had fallen `buffer` behind.
    public var droppedEvents: Int { state.withLock { $0.dropped } }

    private func remove(_ id: Int) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
    }
}
