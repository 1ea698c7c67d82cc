import FacegateCore

#if canImport(Glibc)
    import Glibc
#endif

extension SplitMix64 {
    /// A standard normal value (Box–Muller), from the seeded generator so that a seed
    /// gives the same draws on every machine and every run.
    mutating func nextStandardNormal() -> Double {
        // u1 in (0, 1], so that log never sees zero; u2 in [0, 1).
        let u1 = (Double(next() >> 11) + 1) / 9_007_199_254_740_992
        let u2 = Double(next() >> 11) / 9_007_199_254_740_992
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
