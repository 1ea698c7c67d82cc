extension StringProtocol {
    /// The text without the white space (spaces, tabs, line ends) around it: a policy
    /// value typed with a stray space, a card number with the reader's line end.
    public var trimmingWhiteSpace: SubSequence {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
