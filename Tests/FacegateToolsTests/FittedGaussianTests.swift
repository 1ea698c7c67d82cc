import FacegateCore
import FacegateTestSupport
import FacegateTools
import Testing

/// The distribution the open-set evaluation draws its synthetic strangers from: what
/// it draws must have the mean, spread and correlations it was fitted to, or the
/// strangers would not be realistic.
@Suite("Fitted Gaussian", .perTestLimit)
struct FittedGaussianTests {
    /// Three dimensions: the second is about twice the first (strongly correlated),
    /// the third varies on its own.
    static let samples: [[Double]] = [
        [0.1, 0.21, -0.3], [0.3, 0.59, 0.1], [-0.2, -0.41, 0.0], [0.0, 0.02, 0.4], [0.4, 0.79, -0.2], [-0.1, -0.18, 0.2],
    ]

    private func moments(_ draws: [[Double]]) -> (mean: [Double], std: [Double], correlation01: Double) {
        let n = Double(draws.count), d = draws[0].count
        var mean = [Double](repeating: 0, count: d)
        for draw in draws { for i in 0..<d { mean[i] += draw[i] / n } }
        var variance = [Double](repeating: 0, count: d)
        var covariance01 = 0.0
        for draw in draws {
            for i in 0..<d { variance[i] += (draw[i] - mean[i]) * (draw[i] - mean[i]) / (n - 1) }
            covariance01 += (draw[0] - mean[0]) * (draw[1] - mean[1]) / (n - 1)
        }
        let std = variance.map { $0.squareRoot() }
        return (mean, std, covariance01 / (std[0] * std[1]))
    }

    @Test("without shrinkage the fit has the samples' mean and covariance")
    func fitsTheSamples() throws {
        let fit = try #require(FittedGaussian(samples: Self.samples, shrinkage: 0))
        let sample = moments(Self.samples)
        for i in 0..<3 {
            #expect(abs(fit.mean[i] - sample.mean[i]) < 1e-12)
            #expect(abs(fit.covariance[i * 3 + i].squareRoot() - sample.std[i]) < 1e-12)
        }
    }

    @Test("draws reproduce the fitted mean, standard deviations and correlation")
    func drawsReproduceTheFit() throws {
        let fit = try #require(FittedGaussian(samples: Self.samples, shrinkage: 0.1))
        var generator = SplitMix64(seed: 7)
        let draws = (0..<20_000).map { _ in fit.sample(using: &generator) }
        let drawn = moments(draws)
        for i in 0..<3 {
            let std = fit.covariance[i * 3 + i].squareRoot()
            #expect(abs(drawn.mean[i] - fit.mean[i]) < 0.03 * std, "dimension \(i): mean")
            #expect(abs(drawn.std[i] / std - 1) < 0.03, "dimension \(i): standard deviation")
        }
        let fitted01 = fit.covariance[1] / (fit.covariance[0] * fit.covariance[4]).squareRoot()
        #expect(fitted01 > 0.8, "the first two dimensions stay correlated after a little shrinkage")
        #expect(abs(drawn.correlation01 - fitted01) < 0.02)
    }

    @Test("full shrinkage keeps only the average variance, on the diagonal")
    func fullShrinkage() throws {
        let fit = try #require(FittedGaussian(samples: Self.samples, shrinkage: 1))
        let raw = try #require(FittedGaussian(samples: Self.samples, shrinkage: 0))
        let average = (raw.covariance[0] + raw.covariance[4] + raw.covariance[8]) / 3
        #expect(abs(fit.covariance[0] - average) < 1e-12 && abs(fit.covariance[8] - average) < 1e-12)
        #expect(fit.covariance[1] == 0 && fit.covariance[5] == 0)
    }

    @Test("no fit from one sample, or from identical samples")
    func degenerate() {
        #expect(FittedGaussian(samples: [[1, 2]], shrinkage: 0.1) == nil)
        #expect(FittedGaussian(samples: [[1, 2], [1, 2], [1, 2]], shrinkage: 0.1) == nil)
    }

    @Test("the same seed gives the same draws")
    func seeded() throws {
        let fit = try #require(FittedGaussian(samples: Self.samples, shrinkage: 0.1))
        var a = SplitMix64(seed: 3), b = SplitMix64(seed: 3), c = SplitMix64(seed: 4)
        let first = fit.sample(using: &a)
        #expect(first == fit.sample(using: &b))
        #expect(first != fit.sample(using: &c))
    }
}
