public import Testing

extension Trait where Self == TimeLimitTrait {
    /// Every suite's limit per test: far above what any test takes on CI's two cores
    /// (the longest, the camera and fleet suites' tests, take a few minutes), so that a
    /// test that hangs fails with its name instead of holding the run until CI's own
    /// limit kills it without one.
    public static var perTestLimit: Self { .timeLimit(.minutes(15)) }
}
