import FacegateCore

/// How long a journald configuration keeps entries (`MaxRetentionSec=` of its
/// `[Journal]` section), so that `doctor` and the tests can hold the journal namespace
/// the decision events go to within the policy's `access_event_days`.
public enum JournaldRetention {
    /// Seconds per unit of a systemd time span (systemd.time(7)).
    static let units: [(names: [String], seconds: Double)] = [
        (["usec", "us", "µs"], 1e-6), (["msec", "ms"], 1e-3), (["seconds", "second", "sec", "s"], 1),
        (["minutes", "minute", "min", "m"], 60), (["hours", "hour", "hr", "h"], 3600), (["days", "day", "d"], 86_400),
        (["weeks", "week", "w"], 604_800), (["months", "month", "M"], 2_629_800), (["years", "year", "y"], 31_557_600),
    ]

    /// The retention of the configuration `text` in days, nil when it sets none (the
    /// journal then keeps entries until it runs out of space: no time limit at all).
    public static func days(inConfiguration text: String) -> Double? {
        var inJournal = false
        var seconds: Double?
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingWhiteSpace
            if line.hasPrefix("#") || line.hasPrefix(";") || line.isEmpty { continue }
            if line.hasPrefix("[") {
                inJournal = line == "[Journal]"
                continue
            }
            guard inJournal, let equals = line.firstIndex(of: "=") else { continue }
            if line[..<equals].trimmingWhiteSpace == "MaxRetentionSec" {
                seconds = span(String(line[line.index(after: equals)...].trimmingWhiteSpace))
            }
        }
        return seconds.flatMap { $0 > 0 ? $0 / 86_400 : nil }
    }

    /// A systemd time span (`180day`, `6 months`, `1d 12h`, `3600`) in seconds; nil if malformed.
    static func span(_ text: String) -> Double? {
        var total = 0.0
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " }
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard let value = Double(digits) else { return rest.isEmpty ? total : nil }
            rest = rest.dropFirst(digits.count).drop { $0 == " " }
            let unit = rest.prefix { $0.isLetter || $0 == "µ" }
            rest = rest.dropFirst(unit.count)
            if unit.isEmpty {
                total += value
            } else if let match = units.first(where: { $0.names.contains(String(unit)) }) {
                total += value * match.seconds
            } else {
                return nil
            }
        }
        return total
    }
}
