/// Two image files and whether they show the same person: one row of a
/// verification benchmark.
public struct VerificationPair: Sendable, Equatable, Hashable {
    /// Paths as written in the list (relative to the evaluation's root unless absolute).
    public var fileA: String
    public var fileB: String
    public var same: Bool

    public init(_ fileA: String, _ fileB: String, same: Bool) {
        self.fileA = fileA
        self.fileB = fileB
        self.same = same
    }
}
