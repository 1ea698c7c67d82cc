#if canImport(Glibc)
    import Glibc
#endif

/// A small blocking queue between the pipeline's two threads (detection and
/// embedding), so that each runs on its own core and a slow stage holds the other
/// back instead of letting frames pile up in memory.
final class BoundedQueue<Element>: @unchecked Sendable {
    private var items: [Element] = []
    private var closed = false
    private let capacity: Int
    private var mutex = pthread_mutex_t()
    private var notEmpty = pthread_cond_t()
    private var notFull = pthread_cond_t()

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&notEmpty, nil)
        pthread_cond_init(&notFull, nil)
    }

    deinit {
        pthread_cond_destroy(&notEmpty)
        pthread_cond_destroy(&notFull)
        pthread_mutex_destroy(&mutex)
    }

    /// Adds an element, waiting for room; with `dropIfFull` returns false instead of waiting.
    @discardableResult
    func put(_ element: Element, dropIfFull: Bool = false) -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while items.count >= capacity && !closed {
            if dropIfFull { return false }
            pthread_cond_wait(&notFull, &mutex)
        }
        guard !closed else { return false }
        items.append(element)
        pthread_cond_signal(&notEmpty)
        return true
    }

    /// The next element; nil once the queue is closed and drained.
    func take() -> Element? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while items.isEmpty && !closed { pthread_cond_wait(&notEmpty, &mutex) }
        guard !items.isEmpty else { return nil }
        let element = items.removeFirst()
        pthread_cond_signal(&notFull)
        return element
    }

    /// No more elements will be put; waiting takers wake up.
    func close() {
        pthread_mutex_lock(&mutex)
        closed = true
        pthread_cond_broadcast(&notEmpty)
        pthread_cond_broadcast(&notFull)
        pthread_mutex_unlock(&mutex)
    }
}
