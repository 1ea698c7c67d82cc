import FacegateCore
import Logging

/// The door page: decisions as they happen and the alerts a person confirms, filled
/// in by the script from `GET /api/v1/events` (no reload, never an image).
extension ConsoleTemplates {
    static let doorTitles = ["door": "At the door"]

    static var doorPages: [(String, String)] { [("door", door)] }

    static let door = """
        <h1>At the door</h1>
        <section class="door-state">
        {{#camera}}<p id="door-camera" data-door="running">The door is running.</p>{{/camera}}
        {{^camera}}<p id="door-camera" data-door="none" class="muted">No camera runs on this device: the daemon was started without a
        frame source (--source none), so no decision will appear here.</p>{{/camera}}
        <p id="camera-health" role="status" data-camera="unknown">Camera: checking…</p>
        {{#panel}}<p id="panel-link" role="status" data-panel="unknown">Access panel: checking…</p>{{/panel}}
        </section>
        <p class="door-rule">Nothing is ever refused automatically. An alert (a member on the deny-list) waits for a person to
        decide, with a reason, within {{timeout}} seconds; an alert nobody confirms in time expires, and nothing is done.
        {{^deny_list}}The deny-list is off, so no alert will be raised.{{/deny_list}}</p>
        <section id="door-alerts" aria-live="assertive" data-names="{{#names}}yes{{/names}}{{^names}}no{{/names}}"></section>
        <h2>Decisions</h2>
        <p id="door-stream" role="status" data-state="connecting">Connecting to the door…</p>
        <table id="door-events"><thead><tr><th>Time</th><th>Decision</th><th>Who</th></tr></thead>
        <tbody><tr class="empty"><td colspan="3">No decision yet since this page opened.</td></tr></tbody></table>
        """
}
