import Consent
import FacegateCore
import Logging

/// A bar chart as SVG text, drawn on the server: no chart library, nothing fetched,
/// nothing run in the browser (the page inlines it; the CSP allows inline SVG, not
/// inline script or style). Categories along the x axis (days, hours), one or more
/// labelled series per category, stacked or side by side; every label escaped; a
/// `<title>` per bar for hover and for screen readers, and a `<desc>` that says in
/// words what the chart shows. Colours come from the stylesheet (`.chart .series-N`).
public struct SVGBarChart: Sendable, Equatable {
    /// One series: its name (legend, hover) and a value per category.
    public struct Series: Sendable, Equatable {
        public var name: String
        public var values: [Int]

        public init(_ name: String, _ values: [Int]) {
            self.name = name
            self.values = values
        }
    }

    public var title: String
    public var categories: [String]
    public var series: [Series]
    public var stacked: Bool
    /// Every this many categories gets its label on the x axis (all of them are in the hover titles).
    public var labelEvery: Int
    /// The id the `<title>` and `<desc>` are referenced by (unique on the page).
    public var id: String

    public init(id: String, title: String, categories: [String], series: [Series], stacked: Bool = true, labelEvery: Int = 1) {
        self.id = id
        self.title = title
        self.categories = categories
        self.series = series
        self.stacked = stacked
        self.labelEvery = max(1, labelEvery)
    }

    static let width = 720.0
    static let height = 290.0
    static let left = 44.0
    static let right = 12.0
    /// Room for the legend above the bars, and for the slanted labels below.
    static let top = 30.0
    static let bottom = 62.0

    /// The value at category `index` of a series (0 past its end).
    func value(_ series: Series, _ index: Int) -> Int { series.values.indices.contains(index) ? max(0, series.values[index]) : 0 }

    /// The axis' top: the largest bar (or stack), at least 1.
    public var maximum: Int {
        let tallest = categories.indices.map { index in
            stacked ? series.reduce(0) { $0 + value($1, index) } : series.map { value($0, index) }.max() ?? 0
        }
        return max(1, tallest.max() ?? 0)
    }

    /// The chart in words: what it covers and each series' total.
    public var summary: String {
        let totals = series.map { series in "\(series.name) \(categories.indices.reduce(0) { $0 + value(series, $1) })" }
        let span = categories.first.map { first in categories.count > 1 ? "\(first) to \(categories.last ?? first)" : first } ?? "no data"
        return "\(title): \(categories.count) bar groups, \(span). Totals: \(totals.joined(separator: ", "))."
    }

    /// The `<svg>` element.
    public var svg: String {
        let plotWidth = Self.width - Self.left - Self.right
        let plotHeight = Self.height - Self.top - Self.bottom
        let slot = categories.isEmpty ? plotWidth : plotWidth / Double(categories.count)
        let barWidth = stacked || series.isEmpty ? slot * 0.7 : slot * 0.8 / Double(series.count)
        let scale = plotHeight / Double(maximum)
        let baseline = Self.top + plotHeight
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(Self.format(Self.width)) \(Self.format(Self.height))" \
            role="img" aria-labelledby="\(id)-title \(id)-desc"><title id="\(id)-title">\(escape(title))</title>\
            <desc id="\(id)-desc">\(escape(summary))</desc>
            """
        out += "<g class=\"axis\">"
        out += line(Self.left, baseline, Self.left + plotWidth, baseline) + line(Self.left, Self.top, Self.left, baseline)
        for tick in [0, maximum / 2, maximum] where tick == 0 || tick != maximum / 2 || maximum >= 2 {
            let y = baseline - Double(tick) * scale
            out += line(Self.left - 4, y, Self.left, y)
            out += "<text x=\"\(Self.format(Self.left - 6))\" y=\"\(Self.format(y + 4))\" text-anchor=\"end\">\(tick)</text>"
        }
        out += "</g>"
        for (index, category) in categories.enumerated() {
            let x = Self.left + Double(index) * slot
            out += "<g class=\"bar-group\">"
            var stackTop = baseline
            for (number, series) in series.enumerated() {
                let count = value(series, index)
                guard count > 0 else { continue }
                let height = Double(count) * scale
                let barX = stacked ? x + (slot - barWidth) / 2 : x + slot * 0.1 + Double(number) * barWidth
                let barY = stacked ? stackTop - height : baseline - height
                if stacked { stackTop -= height }
                out += """
                    <rect class="bar series-\(number)" x="\(Self.format(barX))" y="\(Self.format(barY))" \
                    width="\(Self.format(barWidth))" height="\(Self.format(height))"><title>\(escape("\(category) · \(series.name): \(count)"))</title></rect>
                    """
            }
            if index % labelEvery == 0 {
                let labelX = x + slot / 2
                out += """
                    <text class="label" x="\(Self.format(labelX))" y="\(Self.format(baseline + 14))" text-anchor="end" \
                    transform="rotate(-40 \(Self.format(labelX)) \(Self.format(baseline + 14)))">\(escape(category))</text>
                    """
            }
            out += "</g>"
        }
        out += "<g class=\"legend\">"
        for (number, series) in series.enumerated() {
            let x = Self.left + 8 + Double(number) * 120
            out += "<rect class=\"series-\(number)\" x=\"\(Self.format(x))\" y=\"6\" width=\"10\" height=\"10\"/>"
            out += "<text x=\"\(Self.format(x + 14))\" y=\"15\">\(escape(series.name))</text>"
        }
        out += "</g></svg>"
        return out
    }

    private func escape(_ text: String) -> String { DocumentHTML.escaped(text) }

    private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double) -> String {
        "<line x1=\"\(Self.format(x1))\" y1=\"\(Self.format(y1))\" x2=\"\(Self.format(x2))\" y2=\"\(Self.format(y2))\"/>"
    }

    /// A coordinate with at most one decimal (SVG needs no more; the text stays short).
    static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
