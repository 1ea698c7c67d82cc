import Consent
import Edge
import FacegateCore
import HTTPTypes
import Hummingbird
import Logging

/// The statistics page (`/stats`), its CSV downloads and `GET /api/v1/stats`: the
/// `stats` command's answer (`VisitLog.statistics`, shaped per caller by
/// `ApplianceOperations.statistics`), drawn as server-side SVG. Admins see the
/// regulars with their names; the DPO sees aggregates only, because the command
/// answers them nothing more.
extension VenueConsole {
    func addStatistics(to router: Router<ConsoleContext>) {
        router.get("/stats") { request, context in
            await self.page(request, context, needs: .stats) { account, session in
                let days = try self.statisticsDays(request)
                let admin = account.role == .admin
                let answer = try await self.perform(.stats(days: days, names: admin), for: account)
                return self.html("stats", self.statisticsValues(answer, days: days, admin: admin), account, session)
            }
        }
        router.get("/stats/daily.csv") { request, context in
            await self.page(request, context, needs: .stats) { account, _ in
                let days = try self.statisticsDays(request)
                let answer = try await self.perform(.stats(days: days, names: false), for: account)
                return ConsoleResponse.download(Self.dailyCSV(answer), filename: "facegate-daily-\(days)d.csv", type: "text/csv")
            }
        }
        router.get("/stats/regulars.csv") { request, context in
            await self.page(request, context, needs: .stats) { account, _ in
                let days = try self.statisticsDays(request)
                // Names are asked for: the command refuses a role that may not see people (403).
                let answer = try await self.perform(.stats(days: days, names: true), for: account)
                return ConsoleResponse.download(Self.regularsCSV(answer), filename: "facegate-regulars-\(days)d.csv", type: "text/csv")
            }
        }
    }

    func addStatisticsAPI(
        _ on: (HTTPRequest.Method, String, @escaping @Sendable (Request, ConsoleContext) async throws -> Response) -> Void
    ) {
        on(.get, "/stats") { request, context in
            await self.api(request, context) { account, _ in
                let names: Bool
                switch request.uri.queryParameters.getAll("names") {
                case []: names = false
                case ["true"]: names = true
                case ["false"]: names = false
                default: throw ConsoleError(.invalidRequest, "'names' must be true or false, once")
                }
                return try await self.perform(.stats(days: try self.statisticsDays(request), names: names), for: account)
            }
        }
    }

    // MARK: The period

    /// The periods the page offers: 7, 30 and 90 days, none longer than visits are
    /// kept (`retention.access_event_days`), which is offered itself when shorter.
    var statisticsChoices: [Int] {
        let kept = Int(registry.policy.retention.accessEventDays)
        let choices = [7, 30, 90].filter { $0 <= kept }
        return choices.count < 3 && !choices.contains(kept) ? choices + [kept] : choices
    }

    /// The `days` a request asks for (`AdminCommand.defaultStatisticsDays` when absent,
    /// or the longest offered when that is longer than visits are kept).
    func statisticsDays(_ request: Request) throws -> Int {
        let choices = statisticsChoices
        let given = request.uri.queryParameters.getAll("days")
        guard let text = given.first else {
            return choices.contains(AdminCommand.defaultStatisticsDays) ? AdminCommand.defaultStatisticsDays : choices.last ?? 1
        }
        guard given.count == 1, let days = Int(text), choices.contains(days) else {
            throw ConsoleError(
                .invalidRequest,
                "'days' must be one of \(choices.map(String.init).joined(separator: ", ")) (visits are kept \(Int(registry.policy.retention.accessEventDays)) days)"
            )
        }
        return days
    }

    // MARK: The page

    /// The series the daily chart draws, in its order.
    static let decisionSeries = ["member", "unknown", "alert"]

    func statisticsValues(_ answer: JSONValue, days: Int, admin: Bool) -> [String: Any] {
        let daily = Self.dailyCounts(answer)
        let chart = SVGBarChart(
            id: "decisions", title: "Decisions per day (UTC)", categories: daily.map(\.day),
            series: Self.decisionSeries.map { name in SVGBarChart.Series(name, daily.map { $0.counts[name] ?? 0 }) },
            labelEvery: daily.count <= 10 ? 1 : daily.count <= 40 ? 3 : 7)
        let hours = (answer["visits_by_hour"]?.arrayValue ?? []).map { $0.intValue ?? 0 }
        let hourChart = SVGBarChart(
            id: "hours", title: "Visits by hour of the day (UTC)", categories: (0..<24).map { $0 < 10 ? "0\($0)" : "\($0)" },
            series: [SVGBarChart.Series("visits", hours)])
        let segments = answer["segments"]
        let regulars = (answer["regulars"]?.arrayValue ?? []).map { regular -> [String: Any] in
            [
                "subject": regular["subject"]?.stringValue ?? "", "name": regular["name"]?.stringValue ?? "(erased)",
                "visits": regular["visits"]?.intValue ?? 0, "first": Self.day(regular["first_visit"]?.stringValue),
                "last": Self.day(regular["last_visit"]?.stringValue),
                "gap": regular["average_gap_days"]?.doubleValue.map { "\($0)" } ?? "—",
                "segment": regular["segment"]?.stringValue ?? "",
            ]
        }
        return [
            "days": days, "choices": statisticsChoices.map { ["days": $0, "current": $0 == days] },
            "decisions_svg": chart.svg, "hours_svg": hourChart.svg,
            "daily": daily.map { entry -> [String: Any] in
                var row: [String: Any] = ["day": entry.day]
                for name in Self.decisionSeries { row[name] = entry.counts[name] ?? 0 }
                return row
            },
            "visits": hours.reduce(0, +), "rule": answer["segment_rule"]?.stringValue ?? VisitorSegment.rule,
            "segments": VisitorSegment.allCases.map { ["name": $0.rawValue, "count": segments?[$0.rawValue]?.intValue ?? 0] },
            "regular_count": answer["regular_count"]?.intValue ?? 0, "admin": admin, "regulars": regulars,
            "kept_days": Int(registry.policy.retention.accessEventDays),
        ]
    }

    /// Every day of the answer's period, oldest first, with its counters (none for a
    /// day without any): the chart has a slot for every day, a bar for each count.
    static func dailyCounts(_ answer: JSONValue) -> [(day: String, counts: [String: Int])] {
        var byDay: [String: [String: Int]] = [:]
        for entry in answer["counters"]?.arrayValue ?? [] {
            guard let day = entry["day"]?.stringValue else { continue }
            for count in entry["counts"]?.objectValue?.entries ?? [] { byDay[day, default: [:]][count.key] = count.value.intValue ?? 0 }
        }
        guard let since = answer["since"]?.stringValue.flatMap(Timestamp.parse), let days = answer["days"]?.intValue else {
            return byDay.keys.sorted().map { ($0, byDay[$0] ?? [:]) }
        }
        return (0...days).map { offset in
            let day = String(Timestamp.iso8601(since + Double(offset) * 86_400).prefix(10))
            return (day, byDay[day] ?? [:])
        }
    }

    // MARK: CSV

    /// The daily counters as CSV: one row per day of the period, a column per kind of
    /// decision (member, unknown, alert first). Counts only: nothing about anyone.
    static func dailyCSV(_ answer: JSONValue) -> String {
        let daily = dailyCounts(answer)
        let others = Set(daily.flatMap(\.counts.keys)).subtracting(decisionSeries).sorted()
        let columns = decisionSeries + others
        let lines =
            [CSV.line(["day"] + columns)] + daily.map { entry in CSV.line([entry.day] + columns.map { String(entry.counts[$0] ?? 0) }) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The regulars as CSV (admins): pseudonym, name, visits, first and last visit,
    /// average gap in days, segment.
    static func regularsCSV(_ answer: JSONValue) -> String {
        let header = ["subject", "name", "visits", "first_visit", "last_visit", "average_gap_days", "segment"]
        let rows = (answer["regulars"]?.arrayValue ?? []).map { regular in
            CSV.line([
                regular["subject"]?.stringValue ?? "", spreadsheetSafe(regular["name"]?.stringValue ?? ""),
                String(regular["visits"]?.intValue ?? 0), regular["first_visit"]?.stringValue ?? "",
                regular["last_visit"]?.stringValue ?? "", regular["average_gap_days"]?.doubleValue.map { String($0) } ?? "",
                regular["segment"]?.stringValue ?? "",
            ])
        }
        return ([CSV.line(header)] + rows).joined(separator: "\n") + "\n"
    }

    /// A typed name as a spreadsheet shows it: one starting with `=`, `+`, `-` or `@`
    /// would be read as a formula, so it gets a leading apostrophe.
    static func spreadsheetSafe(_ text: String) -> String {
        guard let first = text.first, "=+-@".contains(first) else { return text }
        return "'" + text
    }
}
