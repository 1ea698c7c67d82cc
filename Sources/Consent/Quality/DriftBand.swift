/// The range a daily recognition-quality value normally stays in, learned from the
/// days before: their median ± 3 scaled median absolute deviations (1.4826 × MAD
/// estimates a standard deviation for normal data, and one odd day, a party night or
/// a day of glare, moves neither the median nor the MAD the way it would a mean and a
/// standard deviation). The half-width never falls below `minimumHalfWidth`, so that a
/// very steady history does not turn ordinary noise into a warning.
public struct DriftBand: Sendable, Equatable {
    /// Days of history needed before a band is drawn: fewer, and the door is still learning.
    public static let minimumDays = 7
    /// How many scaled MADs from the median the band reaches.
    public static let width = 3.0
    /// The MAD's factor that makes it estimate a standard deviation.
    static let madScale = 1.4826

    public let center: Double
    public let halfWidth: Double
    public var low: Double { center - halfWidth }
    public var high: Double { center + halfWidth }

    /// The band of `history` (one value per day), or nil with fewer than `minimumDays`.
    public init?(history: [Double], minimumHalfWidth: Double) {
        guard history.count >= Self.minimumDays, let center = Self.median(history) else { return nil }
        let mad = Self.median(history.map { abs($0 - center) }) ?? 0
        self.center = center
        self.halfWidth = max(minimumHalfWidth, Self.width * Self.madScale * mad)
    }

    public func contains(_ value: Double) -> Bool { value >= low && value <= high }

    /// The median of `values` (the mean of the two middle ones for an even count).
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
