import Consent
public import CoreMetrics
import Edge
import FacegateCore
import Fleet
import Prometheus
import Vault

/// The daemon's metrics in Prometheus' text format (`GET /metrics`): one
/// `PrometheusCollectorRegistry` that the daemon owns, and the swift-metrics factory
/// over it that the pipeline counts through (`factory`: frames, faces, embeddings,
/// decisions by kind, stage latencies). Gauges read at each scrape: the camera's
/// health, the gallery's size, the recognition rule in force with its expected FPIR
/// and FNIR, the last retention sweep and audit checkpoint (Unix times), and the
/// latest day's recognition quality. No label names a person: the only
/// labels are a decision's kind, a stage and a quality series.
public final class ConsoleMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// What the pipeline makes its counters and timers with (`RecognitionPipeline(metrics:)`).
    public let factory: any MetricsFactory

    public init() {
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// The text a scrape gets, with the gauges set from `operations` now.
    func scrape(_ operations: ApplianceOperations) throws -> String {
        let registry = operations.registry
        gauge("facegate_camera_up", "1 while the pipeline runs and a frame came in the last 5 seconds; 0 without a camera")
            .set(Int64(operations.cameraHealth()?.up == true ? 1 : 0))
        gauge("facegate_erasure_journal_damaged", "1 while the erasure journal is damaged: the door decides nobody until it is repaired")
            .set(Int64(operations.registry.vault.journalDamage == nil ? 0 : 1))
        gauge("facegate_gallery_subjects", "Subjects whose templates the gallery holds")
            .set(Int64(registry.vault.gallery.subjectCount))
        let rule = registry.recognitionRule
        gauge("facegate_recognition_threshold", "The distance below which the door names a member, for this gallery now")
            .set(rule.threshold)
        gauge("facegate_recognition_margin", "How much closer than the runner-up the named member must be")
            .set(rule.margin)
        gauge("facegate_recognition_expected_fpir", "Expected share of strangers named as a member, for this gallery now")
            .set(rule.expectedFPIR)
        gauge("facegate_recognition_expected_fnir", "Expected share of members' approaches in which they are not named")
            .set(rule.expectedFNIR)
        gauge("facegate_recognition_target_fpir", "The share of strangers the policy accepts (1 / recognition.stranger_one_in)")
            .set(rule.targetFPIR)
        gauge("facegate_recognition_usable", "1 while 1:N meets the target with a usable FNIR; 0: use claim mode")
            .set(Int64(rule.usable ? 1 : 0))
        gauge("facegate_retention_sweep_interval_seconds", "How often the retention sweep runs (policy retention.sweep_interval_minutes)")
            .set(registry.policy.retention.sweepIntervalMinutes * 60)
        // Times that have not happened yet are left out, not written as 0 (1970).
        if let last = registry.retentionSweep.lastRun {
            gauge("facegate_retention_sweep_last_run_timestamp_seconds", "When the retention sweep last finished (Unix time)").set(last)
        }
        if let checkpoint = try registry.lastAuditCheckpointTime() {
            gauge("facegate_audit_checkpoint_timestamp_seconds", "When the audit log was last signed (Unix time)").set(checkpoint)
        }
        if let fleet = operations.fleet?.report {
            gauge("facegate_fleet_connected", "1 while the door is connected to its fleet's hub").set(Int64(fleet.connected ? 1 : 0))
            gauge(
                "facegate_fleet_members_held", "1 while the door fails closed (no member decisions): no sync for fleet.max_offline_minutes"
            )
            .set(Int64(fleet.heldBecause == nil ? 0 : 1))
            gauge(
                "facegate_fleet_rejected_rows",
                "Rows from the hub this door refused since it started (not signed, altered or replayed); each is a breach.detected audit entry"
            )
            .set(Int64(fleet.rejected))
            if let heard = fleet.lastHeardAt {
                gauge("facegate_fleet_last_sync_timestamp_seconds", "When the door last completed a sync with the hub (Unix time)").set(
                    heard)
            }
        }
        if let panel = operations.panel?.json {
            gauge("facegate_panel_link_up", "1 while the venue's access panel polls the door over an OSDP Secure Channel")
                .set(Int64(panel["link"]?.stringValue == "up" ? 1 : 0))
            for (name, help) in Self.panelHelp {
                gauge("facegate_panel_\(name)", help).set(Int64(panel[name]?.intValue ?? 0))
            }
        }
        let quality = try registry.qualityReport()
        if let latest = quality.latest {
            gauge("facegate_quality_decisions", "Member decisions on the latest day with any").set(Int64(latest.decisions))
            for (name, series) in [("median_distance", quality.medianDistance), ("low_margin_share", quality.lowMarginShare)] {
                if let value = series.latest {
                    gauge("facegate_quality_\(name)", Self.qualityHelp[name] ?? "").set(value)
                }
                outOfBandGauge(name).set(Int64(series.outOfBand ? 1 : 0))
            }
        }
        return self.registry.emitToString()
    }

    static let qualityHelp = [
        "median_distance": "Median best distance of the latest day's member decisions",
        "low_margin_share": "Share of the latest day's member decisions that were low-margin",
    ]

    /// The panel link's counts since the daemon started, by their `status` names.
    static let panelHelp: [(String, String)] = [
        ("cards_sent", "Card reads of members' panel credentials handed to the OSDP link since the daemon started"),
        ("cards_delivered", "Card reads the panel took in a poll"),
        ("not_sent", "Members let in whose credential was not sent (link down, no Secure Channel)"),
        ("granted", "LED commands of the panel turning the reader green (access granted)"),
        ("denied", "LED commands of the panel turning the reader red (access denied)"),
    ]

    private func gauge(_ name: String, _ help: String) -> Prometheus.Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help))
    }

    private func outOfBandGauge(_ series: String) -> Prometheus.Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                metricName: "facegate_quality_out_of_band", unitName: "",
                helpText: "1 when the latest day's value left the band learned over the 30 days before it"),
            labels: [("series", series)])
    }
}
