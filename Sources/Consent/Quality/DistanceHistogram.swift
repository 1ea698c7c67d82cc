/// Best distances of member decisions in fixed bins (`binWidth` wide from 0; the last
/// bin takes everything beyond): what a day keeps of its decisions, from which its
/// median is estimated without any decision being stored.
public struct DistanceHistogram: Sendable, Equatable {
    /// 0.02: finer than the day-to-day movement worth a warning, coarse enough that a
    /// day of a few dozen decisions fills a handful of bins.
    public static let binWidth = 0.02
    /// 50 bins: 0 to 1, past any distance a member decision can have (the threshold is
    /// at most 0.7).
    public static let binCount = 50

    /// Decisions per bin (`binCount` of them).
    public private(set) var counts: [Int]

    public init(counts: [Int] = []) {
        var filled = Array(counts.prefix(Self.binCount))
        filled += Array(repeating: 0, count: Self.binCount - filled.count)
        self.counts = filled
    }

    /// The bin a distance falls in.
    public static func bin(for distance: Double) -> Int {
        guard distance.isFinite, distance > 0 else { return 0 }
        return min(binCount - 1, Int((distance / binWidth).rounded(.down)))
    }

    public mutating func add(_ distance: Double, count: Int = 1) { counts[Self.bin(for: distance)] += count }

    public var total: Int { counts.reduce(0, +) }

    /// The median, interpolated inside the bin that holds it (decisions spread evenly
    /// across a bin); nil when empty. Exact to within a bin's width.
    public var median: Double? {
        let total = self.total
        guard total > 0 else { return nil }
        let half = Double(total) / 2
        var below = 0
        for (bin, count) in counts.enumerated() where count > 0 {
            if Double(below + count) >= half {
                let inside = (half - Double(below)) / Double(count)
                return (Double(bin) + inside) * Self.binWidth
            }
            below += count
        }
        return Double(Self.binCount) * Self.binWidth
    }
}
