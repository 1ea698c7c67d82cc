import Consent
import FacegateTestSupport
import Foundation
import Testing

/// `/metrics`, the daemon's camera health and the health page, on a real daemon: a clip
/// with an enrolled member played to its end (`run --keep-serving` keeps the console up
/// after it), the exposition parsed by prometheus_client's own parser
/// (`Tests/Monitoring/scrape_metrics.py`, from the test venv).
@Suite("Monitoring", .perTestLimit)
struct MonitoringEndToEndTests {
    static var script: String { TestResources.repositoryRoot + "/Tests/Monitoring/scrape_metrics.py" }

    /// What the scrape needs that may be missing: the venv with prometheus_client.
    static var missing: [String] {
        guard FileManager.default.isExecutableFile(atPath: ExternalTestTools.python) else {
            return ["the test venv at \(ExternalTestTools.venv) (make test-venv)"]
        }
        let check = try? ExternalTestTools.run(ExternalTestTools.python, ["-c", "import prometheus_client"], timeout: 30)
        return check?.status == 0 ? [] : ["prometheus_client in \(ExternalTestTools.venv) (make test-venv)"]
    }

    /// The scrape as the script prints it; `token` sends a bearer token.
    static func scrape(_ base: String, token: String? = nil) throws -> [String: Any] {
        let result = try ExternalTestTools.run(
            ExternalTestTools.python, [script, base + "/metrics"] + (token.map { [$0] } ?? []), timeout: 60)
        try #require(result.status == 0, "scrape_metrics.py: \(result.output)")
        let line = try #require(result.output.split(separator: "\n").last)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test("after a clip, /metrics parses and its counters equal the run's summary; no person in it; tokens are checked")
    func metricsMatchSummary() throws {
        let missing = Self.missing
        if !missing.isEmpty {
            #expect(!ExternalTestTools.required, "\(ExternalTestTools.skipMessage(missing))")
            return
        }
        var obama = ""
        let console = try ConsoleDaemon(
            accounts: [("ana", "admin"), ("sam", "staff")],
            source: { fixture in
                let facegate = FacegateProcess()
                let enrolled = try facegate.run([
                    "enroll", "--json", "--name", "Barack Obama", "--notice", "2026-01", "--purpose", "entry", "--method", "signed-form",
                    TestResources.fixture("obama.jpg"), TestResources.fixture("obama2.jpg"), "--policy", fixture.policyPath,
                ])
                obama = try #require(enrolled.jsonLines.first?["subject"] as? String, "\(enrolled.stderr)")
                let clip = fixture.directory.file("door.y4m")
                let made = try facegate.run(
                    ["make-clip", "--output", clip, "--size", "640x480", "--fps", "15"] + [
                        TestResources.fixture("obama3.jpg") + ":2:160", "blank:1", TestResources.fixture("biden.jpg") + ":2:160",
                    ])
                try #require(made.status == 0, "\(made.stderr)")
                return ["--source", "y4m:" + clip, "--keep-serving"]
            })
        let daemon = console.daemon
        // Both decisions, then the clip's end: the pipeline has stopped, so the camera is down.
        #expect(daemon.waitForEvent(seconds: 120) { $0["decision"] as? String == "unknown" } != nil, "\(daemon.errorText)")
        var camera: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            camera = try console.client("ana").request("GET", "/api/v1/status").json["camera"] as? [String: Any] ?? [:]
            if camera["up"] as? Bool == false, camera["last_frame_seconds_ago"] is Double { break }
            usleep(250_000)
        }
        #expect(
            Set(camera.keys) == ["up", "fps", "last_frame_seconds_ago", "enhanced_share", "too_dark_share", "needs_light"], "\(camera)")
        #expect(camera["up"] as? Bool == false)
        #expect((camera["last_frame_seconds_ago"] as? Double ?? -1) >= 0)
        let statusLine = try console.cli(["status"]).stdout
        #expect(statusLine.contains("; camera down ("), "\(statusLine)")

        // From loopback, without credentials.
        let scraped = try Self.scrape(console.base)
        let samples = try #require(scraped["samples"] as? [String: Double])
        let body = scraped["body"] as? String ?? ""
        #expect((scraped["content_type"] as? String ?? "").hasPrefix("text/plain"))
        #expect((scraped["families"] as? [String: String])?["facegate_stage_seconds"] == "histogram")

        // A wrong token is refused even from loopback; any role's token is enough.
        #expect(
            try ConsoleClient(base: console.base, bearer: "fgt_" + String(repeating: "0", count: 64)).request("GET", "/metrics").status
                == 401)
        #expect(try console.client("sam").request("GET", "/metrics").status == 200)
        #expect(try ConsoleClient(base: console.base).request("GET", "/metrics", headers: ["X-Forwarded-For": "192.0.2.7"]).status == 401)

        // Stop it and read the summary it prints.
        kill(daemon.process.processIdentifier, SIGTERM)
        var summary: [String: Any]?
        let end = Date().addingTimeInterval(30)
        while summary == nil, Date() < end {
            summary = RunSummary.parse(daemon.errorText)
            usleep(100_000)
        }
        #expect(daemon.stop() == 0)
        let run = try #require(summary, "\(daemon.errorText.suffix(2000))")
        #expect(samples["facegate_frames_total"] == Double(run["frames"] as? Int ?? -1))
        #expect(samples["facegate_frames_total"] == 75)
        #expect(samples["facegate_faces_total"] == Double(run["faces"] as? Int ?? -1))
        #expect(samples["facegate_embeddings_total"] == Double(run["embeddings"] as? Int ?? -1))
        let decisions = try #require(run["decisions"] as? [String: Int])
        for (kind, count) in decisions {
            #expect(samples["facegate_decisions_total{decision=\(kind)}"] == Double(count), "\(kind)")
        }
        #expect(decisions["member"] == 1 && decisions["unknown"] == 1)
        let latency = try #require(run["latency_ms"] as? [String: [String: Any]])
        for stage in ["detect", "embed", "frame", "decision"] {
            #expect(samples["facegate_stage_seconds_count{stage=\(stage)}"] == Double(latency[stage]?["n"] as? Int ?? -1), "\(stage)")
        }
        #expect(samples["facegate_camera_up"] == 0)
        #expect(samples["facegate_gallery_subjects"] == 1)
        #expect((samples["facegate_retention_sweep_last_run_timestamp_seconds"] ?? 0) > 1_700_000_000)
        #expect(samples["facegate_quality_decisions"] == 1)
        #expect(samples["facegate_quality_out_of_band{series=median_distance}"] == 0)
        let distance = try #require(daemon.events.first { $0["decision"] as? String == "member" }?["distance"] as? Double)
        #expect(abs((samples["facegate_quality_median_distance"] ?? -1) - distance) <= 0.02)
        // No per-person label, and nothing else about anyone.
        #expect(!obama.isEmpty && !body.contains(obama))
        #expect(!body.contains("Obama") && !body.contains("Barack"))
        let labels = Set(
            samples.keys.flatMap { key -> [String] in
                guard let open = key.firstIndex(of: "{") else { return [] }
                return key[key.index(after: open)...].dropLast().split(separator: ",").map { String($0.split(separator: "=")[0]) }
            })
        #expect(labels.isSubset(of: ["decision", "stage", "le", "series"]), "\(labels)")
    }

    @Test("the health page plots both series and warns when the latest day leaves the band; staff may not see it")
    func healthPageWarns() throws {
        let console = try ConsoleDaemon(
            accounts: [("ana", "admin"), ("sam", "staff"), ("dee", "dpo")],
            source: { fixture in
                // Eleven days of anonymous aggregates, made in-process with the manual clock.
                let registry = try fixture.open(loadGallery: false)
                defer { registry.close() }
                fixture.clock.set(Date().timeIntervalSince1970 - 10 * 86_400)
                for _ in 0..<10 {
                    for distance in [0.36, 0.38, 0.39, 0.40, 0.40, 0.41, 0.42, 0.57] {
                        try registry.visitLog.recordQuality(
                            distance: distance, runnerUp: 0.8, threshold: 0.6, margin: 0.04, at: fixture.clock.now())
                    }
                    fixture.clock.advance(days: 1)
                }
                // Today: the lens is dirty; every member is far and near the threshold.
                for distance in [0.52, 0.54, 0.55, 0.56, 0.57, 0.58] {
                    try registry.visitLog.recordQuality(
                        distance: distance, runnerUp: nil, threshold: 0.6, margin: 0.04, at: fixture.clock.now())
                }
                return ["--source", "none"]
            })
        let page = try console.client("ana").request("GET", "/health")
        #expect(page.status == 200)
        #expect(page.text.contains("drift-warning"), "\(page.text)")
        #expect(page.text.contains("outside its usual band"))
        #expect(page.text.components(separatedBy: "<svg").count == 3, "two charts")
        #expect(page.text.contains("chart-band"))
        #expect(page.text.contains("low-margin when its best distance is within 0.05 of the threshold"))
        #expect(!page.text.contains("style="), "no inline style (CSP)")
        #expect(page.text.contains("runs without a camera"))
        #expect(try console.client("dee").request("GET", "/health").status == 200)
        #expect(try console.client("sam").request("GET", "/health").status == 403)
        let scraped = try console.client("ana").request("GET", "/metrics").text
        #expect(scraped.contains("facegate_quality_out_of_band{series=\"median_distance\"} 1.0"), "\(scraped)")
        #expect(scraped.contains("facegate_camera_up 0.0"))

        // The same page in headless Chromium: the warning visible, both charts drawn.
        let missing = ExternalTestTools.missingForBrowser
        guard missing.isEmpty else {
            #expect(!ExternalTestTools.required, "\(ExternalTestTools.skipMessage(missing))")
            return
        }
        let passwordFile = try console.fixture.directory.write("password", text: ConsoleDaemon.password + "\n")
        let screenshots = TestResources.repositoryRoot + "/.build/console-screenshots/monitoring"
        try? FileManager.default.removeItem(atPath: screenshots)
        let result = try ExternalTestTools.run(
            ExternalTestTools.python,
            [
                TestResources.repositoryRoot + "/Tests/Browser/monitoring_browser.py", "--base", console.base, "--admin", "ana",
                "--password-file", passwordFile, "--screenshots", screenshots,
            ],
            environment: ["PYTHONUNBUFFERED": "1"], directory: TestResources.repositoryRoot + "/Tests/Browser", timeout: 180)
        #expect(result.status == 0, "monitoring_browser.py exited \(result.status):\n\(result.output)")
    }

    @Test("a door in the dark: status, doctor, the health page and /metrics say the door needs light")
    func doorNeedsLight() throws {
        let console = try ConsoleDaemon(
            accounts: [("ana", "admin")],
            source: { fixture in
                // Black frames, paced and looped like a camera at night.
                let clip = fixture.directory.file("night.y4m")
                let made = try FacegateProcess().run([
                    "make-clip", "--output", clip, "--size", "320x240", "--fps", "10", "--brightness", "0.03", "blank:2",
                ])
                try #require(made.status == 0, "\(made.stderr)")
                return ["--source", "y4m:" + clip, "--loop", "--realtime"]
            })
        var camera: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            camera = try console.client("ana").request("GET", "/api/v1/status").json["camera"] as? [String: Any] ?? [:]
            if camera["needs_light"] as? Bool == true { break }
            usleep(250_000)
        }
        #expect(camera["needs_light"] as? Bool == true, "\(camera)")
        #expect(camera["too_dark_share"] as? Double == 1, "\(camera)")
        #expect(camera["up"] as? Bool == true, "\(camera)")
        let statusLine = try console.cli(["status"]).stdout
        #expect(statusLine.contains("the door needs light: 100% of recent frames are too dark"), "\(statusLine)")
        let doctor = try console.cli(["doctor", "--json", "--policy", console.fixture.policyPath])
        let checks = doctor.jsonLines.first?["checks"] as? [[String: Any]] ?? []
        let light = checks.first { $0["name"] as? String == "light" }
        #expect(light?["level"] as? String == "warn", "\(doctor.stdout) \(doctor.stderr)")
        #expect((light?["detail"] as? String ?? "").contains("the door needs light"))
        let page = try console.client("ana").request("GET", "/health")
        #expect(page.text.contains("The door needs light: 100 % of recent"), "\(page.text)")
        let scraped = try console.client("ana").request("GET", "/metrics").text
        let tooDark = scraped.split(separator: "\n").first { $0.hasPrefix("facegate_frames_too_dark_total ") }
        #expect((tooDark.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0) > 0, "\(scraped)")
    }

    @Test("the shipped Prometheus scrape config and alert rules are valid, and alert on metrics the console exports")
    func prometheusFiles() throws {
        let directory = TestResources.repositoryRoot + "/deploy/prometheus"
        let rules = try String(contentsOfFile: directory + "/alerts.yml", encoding: .utf8)
        // Debian's promtool (package prometheus) when it is there; the structure otherwise.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") {
            let config = try ExternalTestTools.run(
                "/usr/bin/promtool", ["check", "config", "--syntax-only", directory + "/prometheus.yml"], timeout: 60)
            #expect(config.status == 0, "\(config.output)")
            let checked = try ExternalTestTools.run("/usr/bin/promtool", ["check", "rules", directory + "/alerts.yml"], timeout: 60)
            #expect(checked.status == 0 && checked.output.contains("6 rules found"), "\(checked.output)")
        }
        let alerts = rules.split(separator: "\n").filter { $0.contains("- alert: ") }.map {
            $0.split(separator: " ").last.map(String.init) ?? ""
        }
        #expect(
            alerts == [
                "FacegateCameraDown", "FacegateNoFrames", "FacegateRetentionSweepOverdue", "FacegateAuditCheckpointStale",
                "FacegateRecognitionDrift", "FacegateDoorNeedsLight",
            ])
        // Every metric an alert reads is one the console serves.
        let exported: Set<String> = [
            "facegate_camera_up", "facegate_frames_total", "facegate_retention_sweep_last_run_timestamp_seconds",
            "facegate_retention_sweep_interval_seconds", "facegate_audit_checkpoint_timestamp_seconds", "facegate_quality_out_of_band",
            "facegate_frames_too_dark_total",
        ]
        let sources =
            try ["ConsoleMetrics.swift"].map {
                try String(contentsOfFile: TestResources.repositoryRoot + "/Sources/Console/" + $0, encoding: .utf8)
            }.joined()
            + (try String(contentsOfFile: TestResources.repositoryRoot + "/Sources/Edge/Pipeline/PipelineMetrics.swift", encoding: .utf8))
        for line in rules.split(separator: "\n") where line.contains("expr:") {
            for word in line.split(whereSeparator: { !($0.isLetter || $0 == "_") }) where word.hasPrefix("facegate_") {
                #expect(exported.contains(String(word)) && sources.contains("\"\(word)\""), "\(word)")
            }
        }
    }
}
