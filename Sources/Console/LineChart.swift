import Consent

/// A small line chart drawn as SVG on the server: one series of daily values (a gap
/// where a day has none), an optional band shaded behind it, the last point marked.
/// No script, no style attribute (the console's CSP forbids inline styles): the
/// elements carry classes that `ConsoleAssets.css` colours. Pure: the same values give
/// the same markup.
struct LineChart: Sendable, Equatable {
    struct Point: Sendable, Equatable {
        var label: String
        var value: Double?
    }

    var title: String
    var points: [Point]
    var band: ClosedRange<Double>?
    /// Digits after the point on the axis labels.
    var decimals = 2
    var width = 640.0
    var height = 220.0

    /// Room for the axis labels.
    static let margin = (left: 48.0, right: 12.0, top: 14.0, bottom: 30.0)

    /// The value range drawn: every value and the band, padded by a tenth.
    var range: ClosedRange<Double> {
        var values = points.compactMap(\.value)
        if let band { values += [band.lowerBound, band.upperBound] }
        guard let low = values.min(), let high = values.max() else { return 0...1 }
        let pad = max((high - low) * 0.1, 0.01)
        return (low - pad)...(high + pad)
    }

    func x(_ index: Int) -> Double {
        let plot = width - Self.margin.left - Self.margin.right
        guard points.count > 1 else { return Self.margin.left + plot / 2 }
        return Self.margin.left + plot * Double(index) / Double(points.count - 1)
    }

    func y(_ value: Double) -> Double {
        let plot = height - Self.margin.top - Self.margin.bottom
        let range = self.range
        return Self.margin.top + plot * (1 - (value - range.lowerBound) / (range.upperBound - range.lowerBound))
    }

    /// The `<svg>` element.
    var svg: String {
        var parts: [String] = [
            "<svg class=\"chart\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" role=\"img\" aria-label=\"\(DocumentHTML.escaped(title))\">",
            "<title>\(DocumentHTML.escaped(title))</title>",
        ]
        let left = Self.margin.left, right = width - Self.margin.right
        if let band {
            let top = y(band.upperBound), bottom = y(band.lowerBound)
            parts.append(
                "<rect class=\"chart-band\" x=\"\(Self.number(left))\" y=\"\(Self.number(top))\" width=\"\(Self.number(right - left))\" height=\"\(Self.number(max(0, bottom - top)))\"/>"
            )
        }
        // Axes: the range's ends and middle on the left, the first and last day below.
        let range = self.range
        for value in [range.lowerBound, (range.lowerBound + range.upperBound) / 2, range.upperBound] {
            let at = Self.number(y(value))
            parts.append("<line class=\"chart-grid\" x1=\"\(Self.number(left))\" y1=\"\(at)\" x2=\"\(Self.number(right))\" y2=\"\(at)\"/>")
            parts.append(
                "<text class=\"chart-label\" x=\"\(Self.number(left - 4))\" y=\"\(at)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(Self.fixed(value, decimals))</text>"
            )
        }
        if let first = points.first, let last = points.last {
            let base = Self.number(height - 8)
            parts.append("<text class=\"chart-label\" x=\"\(Self.number(left))\" y=\"\(base)\">\(DocumentHTML.escaped(first.label))</text>")
            if points.count > 1 {
                parts.append(
                    "<text class=\"chart-label\" x=\"\(Self.number(right))\" y=\"\(base)\" text-anchor=\"end\">\(DocumentHTML.escaped(last.label))</text>"
                )
            }
        }
        // The line, broken where a day has no value.
        var runs: [[String]] = [[]]
        for (index, point) in points.enumerated() {
            guard let value = point.value else {
                if !(runs.last?.isEmpty ?? true) { runs.append([]) }
                continue
            }
            runs[runs.count - 1].append("\(Self.number(x(index))),\(Self.number(y(value)))")
        }
        for run in runs where run.count > 1 {
            parts.append("<polyline class=\"chart-line\" points=\"\(run.joined(separator: " "))\"/>")
        }
        for (index, point) in points.enumerated() {
            guard let value = point.value else { continue }
            let latest = index == points.count - 1
            parts.append(
                "<circle class=\"chart-point\(latest ? " chart-latest" : "")\" cx=\"\(Self.number(x(index)))\" cy=\"\(Self.number(y(value)))\" r=\"\(latest ? 5 : 3)\"><title>\(DocumentHTML.escaped(point.label)): \(Self.fixed(value, decimals + 1))</title></circle>"
            )
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// A coordinate with one decimal (enough for a screen, short markup).
    static func number(_ value: Double) -> String { fixed(value, 1) }

    /// `value` with `decimals` digits after the point.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value * scale).rounded()
        let sign = scaled < 0 ? "-" : ""
        let magnitude = Int(abs(scaled))
        let whole = magnitude / Int(scale)
        guard decimals > 0 else { return sign + String(whole) }
        let fraction = String(magnitude % Int(scale))
        return sign + String(whole) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
}
