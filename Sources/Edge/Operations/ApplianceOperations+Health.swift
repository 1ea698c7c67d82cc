import Consent
public import FacegateCore
import Fleet

extension ApplianceOperations {
    /// `{"quality": QualityReport.json, "recognition": RecognitionRule.json, "camera":
    /// CameraHealth.json}`: how well the door recognises members, day by day against its
    /// learned band, the rule in force with its expected FPIR and FNIR, and (in a daemon
    /// with a camera) whether frames arrive. Anonymous aggregates only: no subject, no name.
    public func health() throws -> JSONValue {
        var answer: JSONObject = ["quality": try registry.qualityReport().json]
        // The rule in force for this gallery now, and what it is expected to cost.
        answer["recognition"] = registry.recognitionRule.json
        if let camera = cameraHealth() { answer["camera"] = camera.json }
        // A door of a fleet: whether it is in touch with the hub, or failing closed.
        if let fleet { answer["fleet"] = fleet.report.json(now: registry.now) }
        return .object(answer)
    }
}
