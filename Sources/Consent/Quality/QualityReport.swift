public import FacegateCore

/// Recognition quality over the days, done on the device from anonymous per-day
/// aggregates: each day's median best distance of member decisions and its share of
/// low-margin decisions, the band each normally stays in (`DriftBand`, learned over the
/// `learningDays` before the latest day) and whether the latest day has left it: the
/// lighting changed, the camera moved, the lens is dirty, or the gallery has aged.
public struct QualityReport: Sendable {
    /// The days a band is learned over.
    public static let learningDays = 30
    /// A day with fewer member decisions says too little: it neither teaches the band
    /// nor raises a warning.
    public static let minimumDecisions = 5
    /// How close to the threshold (or to the margin) a decision must come to count as low-margin.
    public static let lowMarginSlack = 0.05
    /// The one definition of a low-margin decision, as the console states it.
    public static let lowMarginRule =
        "a member decision is low-margin when its best distance is within \(lowMarginSlack) of the threshold, or when the second-nearest subject is less than the margin + \(lowMarginSlack) further away"

    /// Whether a member decision was a near thing (`lowMarginRule`).
    public static func isLowMargin(distance: Double, runnerUp: Double?, threshold: Double, margin: Double) -> Bool {
        if distance >= threshold - lowMarginSlack { return true }
        if let runnerUp, runnerUp - distance < margin + lowMarginSlack { return true }
        return false
    }

    /// One day's aggregates.
    public struct Day: Sendable, Equatable {
        /// `YYYY-MM-DD` (UTC, as the daily counters).
        public var day: String
        public var histogram: DistanceHistogram
        public var lowMargin: Int

        public init(day: String, histogram: DistanceHistogram, lowMargin: Int) {
            self.day = day
            self.histogram = histogram
            self.lowMargin = lowMargin
        }

        public var decisions: Int { histogram.total }
        public var medianDistance: Double? { histogram.median }
        public var lowMarginShare: Double? { decisions > 0 ? Double(lowMargin) / Double(decisions) : nil }
    }

    /// One daily series: its latest value, its band and whether the value left it.
    public struct Series: Sendable, Equatable {
        public var latest: Double?
        public var band: DriftBand?
        /// The latest day had enough decisions to judge, and its value is outside the band.
        public var outOfBand: Bool

        init(days: [Day], latest: Day?, value: (Day) -> Double?, minimumHalfWidth: Double) {
            self.latest = latest.flatMap(value)
            let history = days.filter { $0.day != latest?.day && $0.decisions >= QualityReport.minimumDecisions }.compactMap(value)
            band = DriftBand(history: history, minimumHalfWidth: minimumHalfWidth)
            if let latest, latest.decisions >= QualityReport.minimumDecisions, let band, let value = self.latest {
                outOfBand = !band.contains(value)
            } else {
                outOfBand = false
            }
        }

        var json: JSONValue {
            [
                "latest": latest.map { .double(QualityReport.rounded($0)) } ?? .null,
                "band": band.map { ["low": .double(QualityReport.rounded($0.low)), "high": .double(QualityReport.rounded($0.high))] }
                    ?? .null,
                "out_of_band": .bool(outOfBand),
            ]
        }
    }

    /// The days with decisions, oldest first: the latest and up to `learningDays` before it.
    public var days: [Day]
    /// The most recent day with member decisions (normally today).
    public var latest: Day?
    public var medianDistance: Series
    public var lowMarginShare: Series

    /// `days` oldest first (any days: only the latest and the `learningDays` before it count).
    public init(days all: [Day]) {
        let sorted = all.filter { $0.decisions > 0 }.sorted { $0.day < $1.day }
        let latest = sorted.last
        let first = latest.map { Self.day(Self.learningDays, before: $0.day) } ?? ""
        days = sorted.filter { $0.day >= first }
        self.latest = latest
        // Half-widths of at least one histogram bin for the distance, five points for the share.
        medianDistance = Series(days: days, latest: latest, value: \.medianDistance, minimumHalfWidth: DistanceHistogram.binWidth)
        lowMarginShare = Series(days: days, latest: latest, value: \.lowMarginShare, minimumHalfWidth: 0.05)
    }

    /// `{"days":[{day,decisions,median_distance,low_margin_share}],"latest_day":…,"median_distance":{latest,band,out_of_band},
    /// "low_margin_share":{…},"low_margin_rule":…,"learning_days":30,"minimum_decisions":5}`.
    public var json: JSONValue {
        [
            "days": .array(
                days.map { day in
                    [
                        "day": .string(day.day), "decisions": .int(day.decisions),
                        "median_distance": day.medianDistance.map { .double(Self.rounded($0)) } ?? .null,
                        "low_margin_share": day.lowMarginShare.map { .double(Self.rounded($0)) } ?? .null,
                    ]
                }),
            "latest_day": latest.map { .string($0.day) } ?? .null,
            "median_distance": medianDistance.json, "low_margin_share": lowMarginShare.json,
            "low_margin_rule": .string(Self.lowMarginRule), "learning_days": .int(Self.learningDays),
            "minimum_decisions": .int(Self.minimumDecisions),
        ]
    }

    static func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }

    /// The day `count` days before `day` (both `YYYY-MM-DD`).
    static func day(_ count: Int, before day: String) -> String {
        guard let midnight = Timestamp.parse(day + "T00:00:00Z") else { return day }
        return String(Timestamp.iso8601(midnight - Double(count) * 86_400).prefix(10))
    }
}
