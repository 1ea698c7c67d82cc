/// The Wilson score interval of a binomial proportion: where the true rate lies, at
/// 95%, given `successes` out of `trials`. Unlike the normal approximation it stays
/// inside [0, 1] and is not zero-wide when nothing was counted: 0 false positives in
/// 300 unmated searches still leaves up to 1.3%, which is what a reader must see
/// before trusting a measured 0.
public struct WilsonInterval: Sendable, Equatable {
    public var lower: Double
    public var upper: Double

    /// The normal quantile of a two-sided 95% interval.
    public static let z95 = 1.959_963_984_540_054

    /// Nil without trials.
    public init?(successes: Int, trials: Int, z: Double = Self.z95) {
        guard trials > 0 else { return nil }
        precondition(successes >= 0 && successes <= trials, "successes are between 0 and the trials")
        let n = Double(trials)
        let p = Double(successes) / n
        let z2 = z * z
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        lower = successes == 0 ? 0 : max(0, centre - half)
        upper = successes == trials ? 1 : min(1, centre + half)
    }
}
