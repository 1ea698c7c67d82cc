import Consent
import FacegateCore
import Logging

/// What happens once a track's vote settles (or a claim or a card is answered),
/// besides deciding: an alert raised for a person to confirm (never a refusal by
/// itself), the counters, the event emitted, the daily counter (and, for a member, the
/// day's recognition-quality bins), a member's visit (only
/// with analytics consent, the registry decides) and the relay (members and cards). Kept apart from the pipeline's threads so that the record-keeping
/// can be read, and tested, on its own.
final class DecisionRecorder: Sendable {
    let registry: ConsentRegistry
    let counters: PipelineCounters
    let relay: RelayHook?
    let logger: Logger
    let emit: @Sendable (PipelineEvent) -> Void

    init(
        registry: ConsentRegistry, counters: PipelineCounters, relay: RelayHook?, logger: Logger,
        emit: @escaping @Sendable (PipelineEvent) -> Void
    ) {
        self.registry = registry
        self.counters = counters
        self.relay = relay
        self.logger = logger
        self.emit = emit
    }

    func record(_ settled: PipelineEvent) {
        var event = settled
        if event.decision.kind == .alert, let subject = event.decision.subject {
            // A person must confirm; the appliance takes no action by itself.
            do {
                let alert = try registry.raiseAlert(for: subject)
                event.alert = alert?.id
                event.alertExpiresAt = alert?.expiresAt
            } catch {
                logger.error("recording an alert failed", metadata: ["error": "\(error)"])
            }
        }
        counters.decision(event.decision.kind)
        if event.claim != nil, event.decision.kind == .member || event.decision.kind == .alert { counters.claimMatched() }
        // Latency is a face's, from its frame: a card or a timeout has none.
        if event.track != nil { counters.sample("decision", milliseconds: event.latencyMilliseconds) }
        emit(event)
        // The counter, the day's recognition quality (a bin of best distances and a
        // low-margin count, no subject) and a member's visit: one transaction.
        var record = DecisionRecord(kind: event.decision.kind.rawValue, time: event.time)
        if event.decision.kind == .member || event.decision.kind == .alert, let distance = event.decision.distance {
            let rule = registry.recognitionRule
            record.quality = DecisionRecord.Quality(
                distance: Double(distance), runnerUp: event.decision.runnerUp.map(Double.init), threshold: rule.threshold,
                margin: rule.margin)
        }
        if event.decision.kind.opensDoor { record.visitOf = event.decision.subject }
        do {
            try registry.visitLog.record(record)
        } catch {
            logger.error("recording a decision failed", metadata: ["error": "\(error)"])
        }
        if event.decision.kind.opensDoor { relay?.fire(event) }
    }
}
