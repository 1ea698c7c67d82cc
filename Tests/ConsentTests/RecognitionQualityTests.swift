import Consent
import FacegateCore
import FacegateTestSupport
import Testing

@Suite("Recognition quality", .perTestLimit)
struct RecognitionQualityTests {
    @Test("the histogram's median falls inside the bin that holds the true median, interpolated")
    func histogramMedian() throws {
        var histogram = DistanceHistogram()
        #expect(histogram.median == nil)
        let distances = [0.31, 0.33, 0.35, 0.41, 0.42, 0.43, 0.44, 0.45, 0.52, 0.58, 0.59]
        for distance in distances { histogram.add(distance) }
        #expect(histogram.total == distances.count)
        let median = try #require(histogram.median)
        // The true median is 0.43; a bin is 0.02 wide.
        #expect(abs(median - 0.43) <= DistanceHistogram.binWidth)
        #expect(DistanceHistogram.bin(for: 0.43) == 21)
        // Beyond the last bin, and nonsense, land in the end bins rather than trap.
        #expect(DistanceHistogram.bin(for: 7) == DistanceHistogram.binCount - 1)
        #expect(DistanceHistogram.bin(for: -.infinity) == 0)
        var single = DistanceHistogram()
        single.add(0.41)
        #expect(abs(try #require(single.median) - 0.41) <= DistanceHistogram.binWidth / 2)
    }

    @Test("the band is the median ± 3 scaled MADs, at least its minimum half-width, and only after seven days")
    func driftBand() throws {
        #expect(DriftBand(history: [0.4, 0.41, 0.42, 0.4, 0.39, 0.4], minimumHalfWidth: 0.01) == nil)
        let history = [0.40, 0.42, 0.38, 0.41, 0.39, 0.40, 0.43, 0.37, 0.40]
        let band = try #require(DriftBand(history: history, minimumHalfWidth: 0.001))
        #expect(band.center == 0.40)
        // |x - 0.40|: 0, .02, .02, .01, .01, 0, .03, .03, 0 → MAD 0.01.
        #expect(abs(band.halfWidth - 3 * 1.4826 * 0.01) < 1e-9)
        #expect(band.contains(0.43) && !band.contains(0.46) && !band.contains(0.35))
        // One wild day moves neither the median nor the MAD much.
        let withOutlier = try #require(DriftBand(history: history + [0.9], minimumHalfWidth: 0.001))
        #expect(abs(withOutlier.center - band.center) <= 0.005)
        // A perfectly steady history still gets the minimum width.
        let steady = try #require(DriftBand(history: Array(repeating: 0.4, count: 10), minimumHalfWidth: 0.02))
        #expect(abs(steady.low - 0.38) < 1e-12 && abs(steady.high - 0.42) < 1e-12)
        #expect(DriftBand.median([3, 1, 2, 10]) == 2.5)
    }

    @Test("low-margin means near the threshold or near the runner-up, one rule")
    func lowMargin() {
        #expect(QualityReport.isLowMargin(distance: 0.56, runnerUp: nil, threshold: 0.6, margin: 0.04))
        #expect(!QualityReport.isLowMargin(distance: 0.40, runnerUp: nil, threshold: 0.6, margin: 0.04))
        #expect(QualityReport.isLowMargin(distance: 0.40, runnerUp: 0.48, threshold: 0.6, margin: 0.04))
        #expect(!QualityReport.isLowMargin(distance: 0.40, runnerUp: 0.70, threshold: 0.6, margin: 0.04))
    }

    @Test("daily aggregates kept anonymously give a report whose latest day leaves the band, and retention prunes them")
    func report() throws {
        let fixture = try ConsentFixture()
        let registry = try fixture.open()
        defer { registry.close() }
        // Ten ordinary days: eight decisions around 0.40, one of them low-margin.
        for _ in 0..<10 {
            for distance in [0.36, 0.38, 0.39, 0.40, 0.40, 0.41, 0.42, 0.57] {
                try registry.visitLog.recordQuality(
                    distance: distance, runnerUp: 0.8, threshold: 0.6, margin: 0.04, at: fixture.clock.now())
            }
            fixture.clock.advance(days: 1)
        }
        var report = try registry.qualityReport()
        #expect(report.days.count == 10)
        #expect(!report.medianDistance.outOfBand && !report.lowMarginShare.outOfBand)
        let usual = try #require(report.medianDistance.band)
        #expect(usual.contains(0.40))
        // Then a day of glare: every decision is far and near the threshold.
        for distance in [0.52, 0.54, 0.55, 0.56, 0.57, 0.58] {
            try registry.visitLog.recordQuality(distance: distance, runnerUp: nil, threshold: 0.6, margin: 0.04, at: fixture.clock.now())
        }
        report = try registry.qualityReport()
        #expect(report.latest?.day == String(Timestamp.iso8601(fixture.clock.now()).prefix(10)))
        #expect(report.medianDistance.outOfBand)
        #expect(report.lowMarginShare.outOfBand)
        #expect(report.latest?.lowMarginShare == 4.0 / 6.0)
        // Nothing in the report names anyone: days, counts and numbers only.
        let text = report.json.serialized
        #expect(!text.contains("\"subject\"") && !text.contains("\"name\""))
        // Older than access_event_days, the aggregates go with the daily counters.
        fixture.clock.advance(days: 400)
        _ = try registry.sweep()
        #expect(try registry.qualityReport().days.isEmpty)
    }
}
