import Consent
import Edge
import FacegateCore
import HTTPTypes
import Hummingbird
import Logging

/// Monitoring: `/metrics` for Prometheus and the health page (`/health`: camera and
/// recognition-quality drift, admins and the DPO).
///
/// `/metrics` answers a loopback peer without credentials (a Prometheus or an agent on
/// the box itself), and anyone else only with a bearer token of any console role: its
/// body is counts, latencies and times, nothing about a person. A request that came
/// through a proxy (`Forwarded`, `X-Forwarded-For`) is not taken for a loopback one.
/// Credentials that are sent are always checked, so a wrong token is refused even from
/// loopback. A scrape is not an `AdminCommand`: it reads no record of anyone, and
/// auditing a scrape every 15 seconds would bury the audit log.
extension VenueConsole {
    func addMonitoring(to router: Router<ConsoleContext>) {
        router.get("/metrics") { request, context in
            do {
                try self.checkMetricsAccess(request, context)
                return ConsoleResponse.text(
                    try self.metrics.scrape(self.dispatcher.operations), type: "text/plain; version=0.0.4; charset=utf-8")
            } catch let error as any UserFacingError {
                return ConsoleResponse.apiError(error)
            } catch {
                self.logger.error("metrics scrape failed", metadata: ["error": "\(error)"])
                return ConsoleResponse.apiError(UnexpectedError(error))
            }
        }
        router.get("/health") { request, context in
            await self.page(request, context, needs: .health) { account, session in
                let answer = try await self.perform(.health, for: account)
                return self.html("health", Self.healthValues(answer), account, session)
            }
        }
    }

    /// Loopback without credentials; otherwise (or whenever credentials are sent) a valid bearer token.
    func checkMetricsAccess(_ request: Request, _ context: ConsoleContext) throws {
        if request.headers[.authorization] != nil {
            _ = try account(request, context)
            return
        }
        let proxied = request.headers[.init("Forwarded")!] != nil || request.headers[.init("X-Forwarded-For")!] != nil
        // The peer's address as the kernel gave it (IPv4-mapped IPv6 included): never a
        // name, never resolved.
        guard !proxied, ConsoleListen.loopbackLiteral(context.client) == true else {
            throw ConsoleError(
                .signInRequired, "/metrics needs a bearer token from off this machine (facegate console token add; any role)")
        }
    }

    /// The health page's values from the `health` command's answer.
    static func healthValues(_ answer: JSONValue) -> [String: Any] {
        var values: [String: Any] = [:]
        if let camera = answer["camera"] {
            let since = camera["last_frame_seconds_ago"]?.doubleValue
            values["camera"] = [
                "up": camera["up"]?.boolValue == true, "fps": LineChart.fixed(camera["fps"]?.doubleValue ?? 0, 1),
                "last_frame": since.map { LineChart.fixed($0, 1) + " s ago" } ?? "none yet",
                "enhanced_percent": LineChart.fixed((camera["enhanced_share"]?.doubleValue ?? 0) * 100, 0),
                "needs_light": camera["needs_light"]?.boolValue == true,
                "too_dark_percent": LineChart.fixed((camera["too_dark_share"]?.doubleValue ?? 0) * 100, 0),
            ]
        } else {
            values["camera"] = false
        }
        if let fleet = answer["fleet"], fleet != .null {
            values["fleet"] = [
                "door": fleet["door"]?.stringValue ?? "", "hub": fleet["hub"]?.stringValue ?? "",
                "recognising": fleet["members_recognised"]?.boolValue == true,
                "held_because": fleet["held_because"]?.stringValue ?? "",
                "last_sync": fleet["seconds_since_sync"]?.doubleValue.map { LineChart.fixed($0, 1) + " s ago" } ?? "never",
            ]
        } else {
            values["fleet"] = false
        }
        if let rule = answer["recognition"], rule != .null {
            values["recognition"] = [
                "threshold": LineChart.fixed(rule["threshold"]?.doubleValue ?? 0, 3),
                "margin": LineChart.fixed(rule["margin"]?.doubleValue ?? 0, 2),
                "members": rule["members"]?.intValue ?? 0,
                "derived": rule["derived"]?.boolValue == true,
                "fpir": RecognitionRule.percent(rule["expected_fpir"]?.doubleValue ?? 1),
                "fnir": RecognitionRule.percent(rule["expected_fnir"]?.doubleValue ?? 1),
                "target": RecognitionRule.percent(rule["target_fpir"]?.doubleValue ?? 0),
                "usable": rule["usable"]?.boolValue == true,
                "meets_target": rule["meets_target"]?.boolValue == true,
                "calibration": rule["calibration"]?.stringValue ?? "",
            ]
        } else {
            values["recognition"] = false
        }
        let quality = answer["quality"] ?? .null
        let days = quality["days"]?.arrayValue ?? []
        values["latest_day"] = quality["latest_day"]?.stringValue ?? false
        values["rule"] = quality["low_margin_rule"]?.stringValue ?? ""
        values["learning_days"] = quality["learning_days"]?.intValue ?? QualityReport.learningDays
        values["minimum_decisions"] = quality["minimum_decisions"]?.intValue ?? QualityReport.minimumDecisions
        values["minimum_days"] = DriftBand.minimumDays
        values["days"] = days.reversed().map { day -> [String: Any] in
            [
                "day": day["day"]?.stringValue ?? "", "decisions": day["decisions"]?.intValue ?? 0,
                "median": day["median_distance"]?.doubleValue.map { LineChart.fixed($0, 3) } ?? "—",
                "share": day["low_margin_share"]?.doubleValue.map { LineChart.fixed($0 * 100, 0) + " %" } ?? "—",
            ]
        }
        var series: [[String: Any]] = []
        var warnings: [String] = []
        for (key, title, decimals, percent) in [
            ("median_distance", "Median best distance of member decisions", 2, false),
            ("low_margin_share", "Share of low-margin decisions (%)", 0, true),
        ] {
            let summary = quality[key] ?? .null
            let band = summary["band"].flatMap { band -> ClosedRange<Double>? in
                guard let low = band["low"]?.doubleValue, let high = band["high"]?.doubleValue, low <= high else { return nil }
                return low...high
            }
            // A share is drawn in percent, as the page writes it.
            let scale = percent ? 100.0 : 1
            let chart = LineChart(
                title: title,
                points: days.map { LineChart.Point(label: $0["day"]?.stringValue ?? "", value: $0[key]?.doubleValue.map { $0 * scale }) },
                band: band.map { ($0.lowerBound * scale)...($0.upperBound * scale) }, decimals: decimals)
            let latest = summary["latest"]?.doubleValue
            let show: (Double) -> String = { percent ? LineChart.fixed($0 * 100, 0) + " %" : LineChart.fixed($0, 3) }
            let outside = summary["out_of_band"]?.boolValue == true
            if outside, let latest, let band {
                warnings.append(
                    "\(title) on \(quality["latest_day"]?.stringValue ?? "the latest day"): \(show(latest)), outside its usual band \(show(band.lowerBound)) to \(show(band.upperBound)). Has the lighting changed, the camera moved, or the lens got dirty?"
                )
            }
            series.append([
                "title": title, "svg": days.isEmpty ? "" : chart.svg, "latest": latest.map(show) ?? "—",
                "band": band.map { "\(show($0.lowerBound)) to \(show($0.upperBound))" } ?? false, "outside": outside,
            ])
        }
        values["series"] = series
        values["warnings"] = warnings
        values["any_warning"] = !warnings.isEmpty
        values["has_days"] = !days.isEmpty
        return values
    }
}
