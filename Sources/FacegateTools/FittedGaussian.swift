public import FacegateCore

/// A multivariate normal distribution fitted to sample vectors, from which realistic
/// synthetic vectors can be drawn: the open-set evaluation fills a gallery with
/// strangers drawn from a fit to real face descriptors.
///
/// The full covariance is fitted, not only a standard deviation per dimension:
/// descriptor dimensions are strongly correlated, and a per-dimension fit gives the
/// right median distance to a real face but too few close strangers, which is the
/// tail a false-accept rate is made of. With fewer samples than dimensions the
/// sample covariance is singular, so it is shrunk towards a multiple of the identity
/// with the same trace (`shrinkage` 0 keeps the sample covariance, 1 keeps only its
/// average variance).
public struct FittedGaussian: Sendable, Equatable {
    public let mean: [Double]
    /// The (shrunk) covariance, row-major, `dimensions` × `dimensions`.
    public let covariance: [Double]
    /// The lower-triangular Cholesky factor L of `covariance` (L·Lᵀ), row-major.
    let cholesky: [Double]

    public var dimensions: Int { mean.count }

    /// The fit to `samples` (all of one length), or nil when there are fewer than two
    /// samples or the shrunk covariance is not positive definite (for instance
    /// identical samples).
    public init?(samples: [[Double]], shrinkage: Double) {
        guard samples.count >= 2, let d = samples.first?.count, d > 0, samples.allSatisfy({ $0.count == d }) else { return nil }
        precondition((0...1).contains(shrinkage), "shrinkage is between 0 and 1")
        let n = Double(samples.count)
        var mean = [Double](repeating: 0, count: d)
        for sample in samples {
            for i in 0..<d { mean[i] += sample[i] }
        }
        for i in 0..<d { mean[i] /= n }
        var covariance = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        for sample in samples {
            for i in 0..<d { centred[i] = sample[i] - mean[i] }
            for i in 0..<d {
                let ci = centred[i]
                for j in 0...i { covariance[i * d + j] += ci * centred[j] }
            }
        }
        var trace = 0.0
        for i in 0..<d {
            for j in 0...i {
                covariance[i * d + j] /= n - 1
                covariance[j * d + i] = covariance[i * d + j]
            }
            trace += covariance[i * d + i]
        }
        let target = trace / Double(d)
        for i in 0..<d {
            for j in 0..<d { covariance[i * d + j] *= 1 - shrinkage }
            covariance[i * d + i] += shrinkage * target
        }
        guard let factor = Self.choleskyFactor(covariance, d) else { return nil }
        self.mean = mean
        self.covariance = covariance
        self.cholesky = factor
    }

    /// One vector drawn from the distribution: mean + L·z, z standard normal.
    public func sample(using generator: inout SplitMix64) -> [Double] {
        var vector: [Double] = []
        var scratch: [Double] = []
        sample(into: &vector, scratch: &scratch, using: &generator)
        return vector
    }

    /// Draws one vector into `vector`, reusing its storage and `scratch`'s: a gallery
    /// of 10,000 draws should not allocate 20,000 arrays.
    public func sample(into vector: inout [Double], scratch z: inout [Double], using generator: inout SplitMix64) {
        let d = dimensions
        if z.count != d { z = [Double](repeating: 0, count: d) }
        for i in 0..<d { z[i] = generator.nextStandardNormal() }
        vector = mean
        cholesky.withUnsafeBufferPointer { l in
            z.withUnsafeBufferPointer { z in
                vector.withUnsafeMutableBufferPointer { x in
                    for i in 0..<d {
                        var sum = 0.0
                        let row = i * d
                        for j in 0...i { sum += l[row + j] * z[j] }
                        x[i] += sum
                    }
                }
            }
        }
    }

    /// The Cholesky–Banachiewicz factorisation; nil when `a` is not positive definite.
    private static func choleskyFactor(_ a: [Double], _ d: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in 0...i {
                var sum = a[i * d + j]
                for k in 0..<j { sum -= l[i * d + k] * l[j * d + k] }
                if i == j {
                    guard sum > 0, sum.isFinite else { return nil }
                    l[i * d + i] = sum.squareRoot()
                } else {
                    l[i * d + j] = sum / l[j * d + j]
                }
            }
        }
        return l
    }
}
