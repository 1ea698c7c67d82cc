/// Order statistics of a sample of measurements.
public struct Statistics: Sendable, Equatable {
    public let count: Int
    public let median: Double
    public let p95: Double
    public let min: Double
    public let max: Double
    public let mean: Double

    /// Nil for an empty sample. Percentiles use the nearest-rank method.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        count = sorted.count
        func rank(_ p: Double) -> Double {
            let index = Int((p * Double(sorted.count)).rounded(.up)) - 1
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, index))]
        }
        median =
            sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        p95 = rank(0.95)
        min = sorted[0]
        max = sorted[sorted.count - 1]
        mean = sorted.reduce(0, +) / Double(sorted.count)
    }

    public var json: JSONValue {
        [
            "n": .int(count), "median": .double(Self.round3(median)), "p95": .double(Self.round3(p95)),
            "min": .double(Self.round3(min)), "max": .double(Self.round3(max)),
        ]
    }

    static func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
