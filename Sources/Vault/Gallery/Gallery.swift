import Dispatch
public import FacegateCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Every enrolled template, decrypted, in one contiguous Float32 buffer in locked
/// memory, searched exhaustively: exact answers, and with 2 threads about 2 ms for
/// 100,000 templates on a small box.
///
/// Thread-safe: searches and updates take a lock; a search of 100k rows holds it for
/// about as long as the search takes.
public final class Gallery: @unchecked Sendable {
    /// One match: a subject and the distance of its closest template.
    public struct Match: Sendable, Equatable {
        public var subject: SubjectID
        public var distance: Float

        public init(subject: SubjectID, distance: Float) {
            self.subject = subject
            self.distance = distance
        }
    }

    private struct Rows {
        var buffer: SecureBuffer
        var capacity: Int
        var count = 0
        var subjectOfRow: [Int32] = []
        var templateOfRow: [TemplateID] = []
        var subjects: [SubjectID] = []
        var subjectIndex: [SubjectID: Int32] = [:]
        var rowsOfSubject: [Int32: [Int]] = [:]
        var freeSubjectSlots: [Int32] = []
    }

    static let dimensions = FaceDescriptor.dimensions
    private let rows: Mutex<Rows>
    private let searchCount = Atomic<Int>(0)
    /// Galleries at least this large are searched on all cores.
    public var parallelThreshold = 16_384
    private let workers: Int

    public init(capacity: Int = 1024, workers: Int = Gallery.defaultWorkers) {
        let capacity = max(capacity, 16)
        rows = Mutex(Rows(buffer: SecureBuffer(count: capacity * Self.dimensions * 4), capacity: capacity))
        self.workers = max(1, workers)
    }

    /// The number of online CPU cores.
    public static var defaultWorkers: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    public var templateCount: Int { rows.withLock { $0.count } }
    public var subjectCount: Int { rows.withLock { $0.subjectIndex.count } }

    public func contains(_ subject: SubjectID) -> Bool { rows.withLock { $0.subjectIndex[subject] != nil } }

    /// The templates `subject` has here (0 when none).
    public func templateCount(of subject: SubjectID) -> Int {
        rows.withLock { rows in rows.subjectIndex[subject].flatMap { rows.rowsOfSubject[$0]?.count } ?? 0 }
    }

    /// Adds one template of `subject`, copying the 128 values from `values`.
    public func add(subject: SubjectID, template: TemplateID, values: UnsafeBufferPointer<Float>) {
        precondition(values.count == Self.dimensions)
        rows.withLock { rows in
            if rows.count == rows.capacity { Self.grow(&rows) }
            let slot: Int32
            if let existing = rows.subjectIndex[subject] {
                slot = existing
            } else if let free = rows.freeSubjectSlots.popLast() {
                slot = free
                rows.subjects[Int(slot)] = subject
                rows.subjectIndex[subject] = slot
            } else {
                slot = Int32(rows.subjects.count)
                rows.subjects.append(subject)
                rows.subjectIndex[subject] = slot
            }
            let row = rows.count
            let destination = rows.buffer.base.assumingMemoryBound(to: Float.self) + row * Self.dimensions
            destination.update(from: values.baseAddress!, count: Self.dimensions)
            rows.subjectOfRow.append(slot)
            rows.templateOfRow.append(template)
            rows.rowsOfSubject[slot, default: []].append(row)
            rows.count += 1
        }
    }

    public func add(subject: SubjectID, template: TemplateID, descriptor: FaceDescriptor) {
        descriptor.withUnsafeValues { add(subject: subject, template: template, values: $0) }
    }

    /// Removes every template of `subject` and wipes the rows they used.
    @discardableResult
    public func remove(_ subject: SubjectID) -> Int {
        rows.withLock { rows in
            guard let slot = rows.subjectIndex.removeValue(forKey: subject) else { return 0 }
            let victims = (rows.rowsOfSubject.removeValue(forKey: slot) ?? []).sorted(by: >)
            let base = rows.buffer.base.assumingMemoryBound(to: Float.self)
            for row in victims {
                let last = rows.count - 1
                if row != last {
                    // Move the last row into the hole.
                    (base + row * Self.dimensions).update(from: base + last * Self.dimensions, count: Self.dimensions)
                    let movedSlot = rows.subjectOfRow[last]
                    rows.subjectOfRow[row] = movedSlot
                    rows.templateOfRow[row] = rows.templateOfRow[last]
                    if let index = rows.rowsOfSubject[movedSlot]?.firstIndex(of: last) {
                        rows.rowsOfSubject[movedSlot]![index] = row
                    }
                }
                Sodium.wipe(base + last * Self.dimensions, Self.dimensions * 4)
                rows.subjectOfRow.removeLast()
                rows.templateOfRow.removeLast()
                rows.count -= 1
            }
            rows.freeSubjectSlots.append(slot)
            return victims.count
        }
    }

    /// Makes room for `capacity` templates in one allocation.
    public func reserve(capacity: Int) {
        rows.withLock { rows in
            while rows.capacity < capacity { Self.grow(&rows) }
        }
    }

    /// Removes everything and wipes the buffer.
    public func removeAll() {
        rows.withLock { rows in
            rows.buffer.wipe()
            rows = Rows(buffer: rows.buffer, capacity: rows.capacity)
        }
    }

    /// The `k` nearest subjects to `probe`, nearest first: for each subject the
    /// distance of its closest template (Euclidean, as dlib defines it). Exact.
    public func search(_ probe: FaceDescriptor, k: Int = 2) -> [Match] {
        probe.withUnsafeValues { search($0, k: k) }
    }

    public func search(_ probe: UnsafeBufferPointer<Float>, k: Int = 2) -> [Match] {
        precondition(probe.count == Self.dimensions && k > 0)
        searchCount.add(1, ordering: .relaxed)
        return rows.withLock { rows in
            let count = rows.count
            guard count > 0 else { return [] }
            let base = UnsafePointer(rows.buffer.base.assumingMemoryBound(to: Float.self))
            let subjectOfRow = rows.subjectOfRow
            let chunks = count >= parallelThreshold ? workers : 1
            var partials = [NearestSubjects](repeating: NearestSubjects(k: k), count: chunks)
            partials.withUnsafeMutableBufferPointer { results in
                subjectOfRow.withUnsafeBufferPointer { owners in
                    let job = ScanJob(base: base, probe: probe, owners: owners, results: results, count: count, chunks: chunks, k: k)
                    if chunks == 1 {
                        job.run(chunk: 0)
                    } else {
                        DispatchQueue.concurrentPerform(iterations: chunks) { job.run(chunk: $0) }
                    }
                }
            }
            var merged = partials[0]
            for partial in partials.dropFirst() { merged.merge(partial) }
            return merged.sorted.map { Match(subject: rows.subjects[Int($0.slot)], distance: $0.squared.squareRoot()) }
        }
    }

    /// The distance from `probe` to the closest template of `subject` alone (1:1
    /// verification, for a claimed identity): no other subject's template is read.
    /// Nil when the subject has no template here.
    public func verify(_ probe: FaceDescriptor, against subject: SubjectID) -> Float? {
        probe.withUnsafeValues { probe in
            rows.withLock { rows -> Float? in
                guard let slot = rows.subjectIndex[subject], let owned = rows.rowsOfSubject[slot], !owned.isEmpty else { return nil }
                let base = UnsafePointer(rows.buffer.base.assumingMemoryBound(to: Float.self))
                var best = Float.infinity
                for row in owned {
                    var sum: Float = 0
                    let template = base + row * Self.dimensions
                    for index in 0..<Self.dimensions {
                        let difference = template[index] - probe[index]
                        sum += difference * difference
                    }
                    best = min(best, sum)
                }
                return best.squareRoot()
            }
        }
    }

    /// The pairs of templates of different subjects, and how many of them are closer
    /// than `threshold`: how often this gallery's own members look alike, from which
    /// `doctor` estimates how often a stranger would be taken for one. The cost grows
    /// with the square of the templates, so at most `maxTemplates` of them (every k-th
    /// row) are compared.
    public func differentSubjectPairs(closerThan threshold: Float, maxTemplates: Int = 2000) -> (pairs: Int, closer: Int) {
        rows.withLock { rows in
            let step = max(1, (rows.count + maxTemplates - 1) / max(1, maxTemplates))
            let sampled = Array(stride(from: 0, to: rows.count, by: step))
            let base = UnsafePointer(rows.buffer.base.assumingMemoryBound(to: Float.self))
            let limit = threshold * threshold
            var pairs = 0, closer = 0
            for (position, i) in sampled.enumerated() {
                for j in sampled[..<position] where rows.subjectOfRow[i] != rows.subjectOfRow[j] {
                    pairs += 1
                    var sum: Float = 0
                    let a = base + i * Self.dimensions, b = base + j * Self.dimensions
                    for index in 0..<Self.dimensions {
                        let difference = a[index] - b[index]
                        sum += difference * difference
                    }
                    if sum < limit { closer += 1 }
                }
            }
            return (pairs, closer)
        }
    }

    /// 1:N searches made since this gallery was created: how a test proves that a
    /// claimed identity (1:1) never falls back to searching everyone.
    public var searches: Int { searchCount.load(ordering: .relaxed) }

    /// The pointers one search shares between its worker threads; each thread reads
    /// them and writes only its own slot of `results`, inside the gallery's lock.
    private struct ScanJob: @unchecked Sendable {
        let base: UnsafePointer<Float>
        let probe: UnsafeBufferPointer<Float>
        let owners: UnsafeBufferPointer<Int32>
        let results: UnsafeMutableBufferPointer<NearestSubjects>
        let count: Int
        let chunks: Int
        let k: Int

        func run(chunk: Int) {
            let lower = count * chunk / chunks, upper = count * (chunk + 1) / chunks
            results[chunk] = Gallery.scan(base, probe, owners, lower..<upper, k: k)
        }
    }

    fileprivate static func scan(
        _ base: UnsafePointer<Float>, _ probe: UnsafeBufferPointer<Float>, _ owners: UnsafeBufferPointer<Int32>,
        _ range: Range<Int>, k: Int
    ) -> NearestSubjects {
        var nearest = NearestSubjects(k: k)
        let p = UnsafeRawPointer(probe.baseAddress!)
        let p0 = p.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self)
        let p1 = p.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
        let p2 = p.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
        let p3 = p.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
        let p4 = p.loadUnaligned(fromByteOffset: 256, as: SIMD16<Float>.self)
        let p5 = p.loadUnaligned(fromByteOffset: 320, as: SIMD16<Float>.self)
        let p6 = p.loadUnaligned(fromByteOffset: 384, as: SIMD16<Float>.self)
        let p7 = p.loadUnaligned(fromByteOffset: 448, as: SIMD16<Float>.self)
        var worst = Float.infinity
        for row in range {
            let r = UnsafeRawPointer(base + row * dimensions)
            var a = r.loadUnaligned(fromByteOffset: 0, as: SIMD16<Float>.self) - p0
            a = a * a
            var b = r.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self) - p1
            b = b * b
            var t = r.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self) - p2
            a = a + t * t
            t = r.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self) - p3
            b = b + t * t
            t = r.loadUnaligned(fromByteOffset: 256, as: SIMD16<Float>.self) - p4
            a = a + t * t
            t = r.loadUnaligned(fromByteOffset: 320, as: SIMD16<Float>.self) - p5
            b = b + t * t
            t = r.loadUnaligned(fromByteOffset: 384, as: SIMD16<Float>.self) - p6
            a = a + t * t
            t = r.loadUnaligned(fromByteOffset: 448, as: SIMD16<Float>.self) - p7
            b = b + t * t
            // Fold 16 lanes to 4 with vector adds before the scalar sum.
            let sum16 = a + b
            let sum8 = sum16.lowHalf + sum16.highHalf
            let sum4 = sum8.lowHalf + sum8.highHalf
            let squared = (sum4[0] + sum4[2]) + (sum4[1] + sum4[3])
            if squared < worst {
                nearest.offer(slot: owners[row], squared: squared)
                worst = nearest.worst
            }
        }
        return nearest
    }

    private static func grow(_ rows: inout Rows) {
        let capacity = rows.capacity * 2
        let bigger = SecureBuffer(count: capacity * dimensions * 4)
        bigger.base.copyMemory(from: rows.buffer.base, byteCount: rows.count * dimensions * 4)
        rows.buffer = bigger  // the old buffer is zeroed as it is freed
        rows.capacity = capacity
    }
}

/// The k best distinct subjects seen so far (k is small: 2 for the door's margin).
struct NearestSubjects {
    struct Entry {
        var slot: Int32
        var squared: Float
    }
    let k: Int
    private(set) var entries: [Entry] = []

    init(k: Int) {
        self.k = k
        entries.reserveCapacity(k + 1)
    }

    /// The distance a candidate must beat to change anything.
    var worst: Float { entries.count < k ? .infinity : entries[entries.count - 1].squared }

    mutating func offer(slot: Int32, squared: Float) {
        if let index = entries.firstIndex(where: { $0.slot == slot }) {
            guard squared < entries[index].squared else { return }
            entries.remove(at: index)
        } else if entries.count == k {
            guard squared < entries[k - 1].squared else { return }
            entries.removeLast()
        }
        let position = entries.firstIndex { $0.squared > squared } ?? entries.count
        entries.insert(Entry(slot: slot, squared: squared), at: position)
    }

    mutating func merge(_ other: NearestSubjects) {
        for entry in other.entries { offer(slot: entry.slot, squared: entry.squared) }
    }

    var sorted: [Entry] { entries }
}
