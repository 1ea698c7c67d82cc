import FacegateCore
import Logging

/// The statistics page (`VenueConsole+Statistics.swift`): two charts drawn on the
/// server (`SVGBarChart`, inlined raw: the chart escapes its own text), the same
/// numbers as tables, the segmentation's rule in words, and the regulars for admins.
extension ConsoleTemplates {
    static let statisticsTitles = ["stats": "Statistics"]

    static var statisticsPages: [(String, String)] { [("stats", statistics)] }

    static let statistics = """
        <h1>Statistics</h1>
        <nav class="periods" aria-label="Period">Period: {{#choices}}<a href="/stats?days={{days}}"{{#current}} aria-current="page"{{/current}}>{{days}} days</a> {{/choices}}
        <span class="muted">(visits are kept {{kept_days}} days)</span></nav>
        <h2>Decisions per day</h2>
        <p>Counts only: of faces that are not members, nothing is kept but these daily numbers. Days are UTC.</p>
        <figure class="chart-box" id="decisions-chart">{{{decisions_svg}}}</figure>
        <details><summary>The numbers</summary>
        <table id="daily"><thead><tr><th>Day</th><th>Member</th><th>Unknown</th><th>Alert</th></tr></thead><tbody>
        {{#daily}}<tr><td>{{day}}</td><td>{{member}}</td><td>{{unknown}}</td><td>{{alert}}</td></tr>{{/daily}}
        </tbody></table></details>
        <p><a href="/stats/daily.csv?days={{days}}" download>Download the daily counts (CSV)</a></p>
        <h2>Visits by hour of the day</h2>
        <p>{{visits}} visit(s) of members who consented to attendance analytics; nobody else's visits are recorded. Hours are UTC.</p>
        <figure class="chart-box" id="hours-chart">{{{hours_svg}}}</figure>
        <h2>Regulars</h2>
        <p>{{regular_count}} member(s) with attendance-analytics consent visited in the last {{days}} days:
        {{#segments}}{{name}} {{count}}; {{/segments}}</p>
        <p class="rule" id="segment-rule">How they are grouped, from the average gap between their visits in the period: {{rule}}.</p>
        {{#admin}}
        <table id="regulars"><thead><tr><th>Member</th><th>Visits</th><th>First</th><th>Last</th><th>Average gap (days)</th><th>Segment</th></tr></thead><tbody>
        {{#regulars}}<tr><td><a href="/members/{{subject}}">{{name}}</a></td><td>{{visits}}</td><td>{{first}}</td><td>{{last}}</td><td>{{gap}}</td><td>{{segment}}</td></tr>{{/regulars}}
        </tbody></table>
        <p><a href="/stats/regulars.csv?days={{days}}" download>Download the regulars (CSV)</a></p>
        {{/admin}}
        {{^admin}}<p>Individual regulars are not shown to this role: only the numbers above.</p>{{/admin}}
        """
}
