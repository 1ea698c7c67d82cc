public import FacegateCore

/// How often a regular comes, from the average gap between their visits in the
/// period asked for: the one rule the statistics answer applies and the console
/// states on its page (`rule`).
public enum VisitorSegment: String, Sendable, CaseIterable {
    case weekly
    case monthly
    case occasional

    /// The longest average gap, in days, of a weekly regular (a week and a day of slack).
    public static let weeklyGapDays = 8.0
    /// The longest average gap, in days, of a monthly regular.
    public static let monthlyGapDays = 35.0

    /// The segment of a visitor with `visits` visits `averageGapDays` apart on average.
    /// One visit has no gap: occasional.
    public init(visits: Int, averageGapDays: Double?) {
        guard visits > 1, let gap = averageGapDays else {
            self = .occasional
            return
        }
        self = gap <= Self.weeklyGapDays ? .weekly : gap <= Self.monthlyGapDays ? .monthly : .occasional
    }

    /// The rule in words, for the page and the answer.
    public static var rule: String {
        "weekly: two or more visits at most \(Int(weeklyGapDays)) days apart on average; monthly: at most \(Int(monthlyGapDays)) days apart on average; occasional: further apart, or a single visit"
    }
}
