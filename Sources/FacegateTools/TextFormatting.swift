/// Numbers for human-readable output, without Foundation's formatters.
enum TextFormatting {
    /// `value` with exactly `digits` decimals: fixed(0.5, 4) is "0.5000".
    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let sign = value < 0 && scaled > 0 ? "-" : ""
        guard digits > 0 else { return sign + String(Int(scaled)) }
        let whole = Int(scaled / scale)
        var fraction = String(Int(scaled - Double(whole) * scale))
        fraction = String(repeating: "0", count: max(0, digits - fraction.count)) + fraction
        return "\(sign)\(whole).\(fraction)"
    }

    /// A FAR target as written in the docs: 0.01 is "1e-2".
    static func farTarget(_ value: Double) -> String {
        var exponent = 0
        var scaled = value
        while scaled < 1 && exponent < 12 {
            scaled *= 10
            exponent += 1
        }
        if abs(scaled - scaled.rounded()) < 1e-9 {
            return "\(Int(scaled.rounded()))e-\(exponent)"
        }
        return "\(value)"
    }

    /// `text` padded with spaces on the left (right-aligned) to `width`.
    static func right(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    /// `text` padded with spaces on the right (left-aligned) to `width`.
    static func left(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
}
