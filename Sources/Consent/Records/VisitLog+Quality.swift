public import FacegateCore
import GRDB
import Vault

/// Recognition-quality drift, kept beside the daily counters and as anonymous as they
/// are: a member decision adds one to its day's bin of best distances, and to the
/// day's low-margin count when it was a near thing. Nothing names a subject, nothing
/// is finer than a day.
extension VisitLog {
    /// Counts one member decision (best distance `distance`, second-nearest subject at
    /// `runnerUp` when a 1:N search found one) into the day of `time`.
    public func recordQuality(distance: Double, runnerUp: Double?, threshold: Double, margin: Double, at time: Double) throws {
        let quality = DecisionRecord.Quality(distance: distance, runnerUp: runnerUp, threshold: threshold, margin: margin)
        try vault.write { db in try Self.addQuality(quality, day: Self.day(of: time), in: db) }
    }

    static func addQuality(_ quality: DecisionRecord.Quality, day: String, in db: Database) throws {
        let low = QualityReport.isLowMargin(
            distance: quality.distance, runnerUp: quality.runnerUp, threshold: quality.threshold, margin: quality.margin)
        try QualityStore.add(day: day, bin: DistanceHistogram.bin(for: quality.distance), lowMargin: low, in: db)
    }

    /// The report over the latest day with decisions and the `QualityReport.learningDays` before it.
    public func quality() throws -> QualityReport {
        let since = String(Timestamp.iso8601(clock.now() - Double(QualityReport.learningDays + 1) * 86_400).prefix(10))
        let rows = try vault.read { db in try QualityStore.rows(since: since, in: db) }
        var days: [QualityReport.Day] = []
        for row in rows {
            if days.last?.day != row.day { days.append(QualityReport.Day(day: row.day, histogram: DistanceHistogram(), lowMargin: 0)) }
            days[days.count - 1].histogram.add((Double(row.bin) + 0.5) * DistanceHistogram.binWidth, count: row.decisions)
            days[days.count - 1].lowMargin += row.lowMargin
        }
        return QualityReport(days: days)
    }
}
