import Consent
public import FacegateCore
import Fleet
import Logging
import Synchronization
import Vault

extension ApplianceOperations {
    /// Non-personal facts about the appliance: in the daemon from memory (so it is
    /// answered at once, whatever else runs), in-process from the database. A daemon
    /// with a camera adds its health (`camera`, `CameraHealth.json`).
    public func status() -> JSONValue {
        let policy = self.policy
        let counts: (subjects: Int, templates: Int) =
            servesDoor
            ? (registry.vault.gallery.subjectCount, registry.vault.gallery.templateCount)
            : ((try? registry.vault.counts()) ?? (0, 0))
        var answer: JSONObject = [
            "version": .string(FacegateVersion.current),
            "daemon": .bool(servesDoor),
            "state_dir": .string(registry.location.stateDirectory),
            "subjects": .int(counts.subjects),
            "templates": .int(counts.templates),
            "deny_list": .string(registry.denyList.isEnabled ? "enabled" : "disabled"),
            "trigger": .string((door?.trigger ?? policy.recognition.trigger).rawValue),
            "policy": .string(policy.sourcePath),
            "time": .string(Timestamp.iso8601(registry.now)),
        ]
        // The rule a gallery of this size gets: what the door decides by, and its cost.
        answer["recognition"] = registry.recognitionRule(members: counts.subjects).json
        if let camera = cameraHealth() { answer["camera"] = camera.json }
        if let damage = registry.vault.journalDamage {
            // The door decides nobody until the journal is repaired (`keys accept-damaged-journal`).
            answer["erasure_journal"] = ["damaged": true, "problem": .string(damage), "deciding": false]
        }
        if let fleet { answer["fleet"] = fleet.report.json(now: registry.now) }
        if let panel { answer["panel"] = .object(panel.json) }
        if let reader = cardReader.withLock({ $0 }) { answer["card_reader"] = .object(reader.json) }
        if let feed = feed.withLock({ $0 }) { answer["mqtt"] = .object(feed.json) }
        return .object(answer)
    }

    /// The running door's camera health, in a daemon with a camera (nil elsewhere).
    public func cameraHealth() -> CameraHealth? { door?.counters.cameraHealth() }
}
