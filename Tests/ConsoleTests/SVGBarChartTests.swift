import Console
import FacegateTestSupport
import Foundation
import Testing

/// The server-side bar chart: text a browser draws without a script, labels that
/// cannot break out of the SVG, a hover title per bar, and words for screen readers.
@Suite("SVG bar chart", .perTestLimit)
struct SVGBarChartTests {
    static let chart = SVGBarChart(
        id: "d", title: "Decisions per day", categories: ["2026-12-01", "2026-12-02", "<b>&\"x\""],
        series: [SVGBarChart.Series("member", [2, 0, 1]), SVGBarChart.Series("unknown", [3, 0])])

    static func count(_ text: String, _ part: String) -> Int { text.components(separatedBy: part).count - 1 }

    @Test("one bar group per category, one bar per non-zero value, each with its hover title")
    func barsAndTitles() {
        let svg = Self.chart.svg
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.hasSuffix("</svg>"))
        #expect(Self.count(svg, "<g class=\"bar-group\">") == 3)
        #expect(Self.count(svg, "<rect class=\"bar ") == 3)
        #expect(svg.contains("<title>2026-12-01 · member: 2</title>") && svg.contains("<title>2026-12-01 · unknown: 3</title>"))
        #expect(!svg.contains("2026-12-02 · "), "a zero draws no bar")
    }

    @Test("labels, titles and series names are escaped")
    func escapes() {
        let svg = SVGBarChart(
            id: "x", title: "a</title><script>", categories: ["<b>&\"x\""], series: [SVGBarChart.Series("o'k<", [1])]
        ).svg
        #expect(!svg.contains("<script>") && !svg.contains("<b>"))
        #expect(svg.contains("a&lt;/title&gt;&lt;script&gt;") && svg.contains("&lt;b&gt;&amp;&quot;x&quot;") && svg.contains("o&#39;k&lt;"))
    }

    @Test("the chart is an image with a title and a description that gives the totals")
    func accessible() {
        let svg = Self.chart.svg
        #expect(svg.contains("role=\"img\" aria-labelledby=\"d-title d-desc\""))
        #expect(svg.contains("<title id=\"d-title\">Decisions per day</title>"))
        #expect(Self.chart.summary.contains("3 bar groups") && Self.chart.summary.contains("member 3, unknown 3"))
    }

    @Test("stacked bars share a slot and reach the top of the axis; grouped bars stand side by side")
    func stackedAndGrouped() {
        let stacked = SVGBarChart(id: "s", title: "t", categories: ["a"], series: [.init("x", [1]), .init("y", [3])])
        #expect(stacked.maximum == 4)
        let grouped = SVGBarChart(id: "g", title: "t", categories: ["a"], series: [.init("x", [1]), .init("y", [3])], stacked: false)
        #expect(grouped.maximum == 3)
        func xs(_ svg: String) -> [String] {
            svg.components(separatedBy: "<rect class=\"bar ").dropFirst().compactMap {
                $0.split(separator: "\"").dropFirst(2).first.map(String.init)
            }
        }
        #expect(Set(xs(stacked.svg)).count == 1 && Set(xs(grouped.svg)).count == 2)
        #expect(stacked.svg.contains("y=\"30\""), "the tallest stack starts at the plot's top")
    }

    @Test("an empty chart still draws its axis and says it has no data")
    func empty() {
        let chart = SVGBarChart(id: "e", title: "Nothing", categories: [], series: [.init("x", [])])
        #expect(chart.svg.contains("<g class=\"axis\">") && chart.summary.contains("no data"))
    }
}
