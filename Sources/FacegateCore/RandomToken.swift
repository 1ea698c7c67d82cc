/// Random identifiers for records and uploads: not secrets, but unguessable.
public enum RandomToken {
    /// `bytes` random bytes as lowercase hex.
    public static func hex(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
