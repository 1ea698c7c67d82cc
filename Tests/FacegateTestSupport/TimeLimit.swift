public import Testing

extension Trait where Self == TimeLimitTrait {
    /// Every suite's limit per test, so that a test that hangs fails with its name
    /// instead of holding the run until CI's own limit (90 min) kills it without one.
    /// Far above any test's own time: on CI's two cores the tests run in parallel and a
    /// short one can wait, counted as running, for most of the run (27 min seen), so the
    /// limit is the run's, not a test's.
    public static var perTestLimit: Self { .timeLimit(.minutes(45)) }
}
