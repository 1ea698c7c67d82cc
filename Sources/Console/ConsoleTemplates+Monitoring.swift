/// The health page: the camera, the recognition rule in force with its expected FPIR
/// and FNIR, and recognition quality day by day against its band.
/// The charts are SVG drawn by `LineChart` on the server (inserted raw: its markup is
/// numbers, fixed words and escaped day labels); no script draws anything.
extension ConsoleTemplates {
    static var monitoringPages: [(String, String)] { [("health", health)] }

    static let monitoringTitles = ["health": "Health"]

    static let health = """
        <h1>Health</h1>
        {{#any_warning}}{{#warnings}}<p class="error drift-warning" role="alert">{{.}}</p>{{/warnings}}{{/any_warning}}
        <h2>Camera</h2>
        {{#camera}}
        <p class="camera {{#up}}ok{{/up}}{{^up}}error{{/up}}">{{#up}}Up{{/up}}{{^up}}Down: no frame in the last 5 seconds{{/up}}.
        {{fps}} frames per second; last frame {{last_frame}}; {{enhanced_percent}} % of recent frames needed low-light enhancement.</p>
        {{#needs_light}}<p class="error needs-light" role="alert">The door needs light: {{too_dark_percent}} % of recent
        frames are too dark to find a face, even enhanced. Light the faces of people at the door (see the lighting notes
        in the README) or use an infrared camera with its illuminator.</p>{{/needs_light}}
        {{/camera}}
        {{^camera}}<p>This console's daemon runs without a camera.</p>{{/camera}}
        {{#fleet}}
        <h2>Fleet</h2>
        {{#recognising}}<p class="fleet ok">Door {{door}} is in step with the hub {{hub}}: last sync {{last_sync}}.</p>{{/recognising}}
        {{^recognising}}<p class="fleet error" role="alert">Door {{door}} is not recognising members (card or staff instead):
        {{held_because}}. Last sync {{last_sync}}.</p>{{/recognising}}
        {{/fleet}}
        {{#recognition}}
        <h2>Recognition rule</h2>
        <p class="recognition-rule">For {{members}} member(s) the door names a member below distance {{threshold}}, at least
        {{margin}} ahead of the runner-up ({{#derived}}derived from the policy's risk and calibration {{calibration}}{{/derived}}{{^derived}}set by the policy{{/derived}}).
        Expected: {{fpir}} of strangers named as a member (the policy accepts {{target}}), {{fnir}} of members' approaches not named.</p>
        {{^usable}}<p class="error recognition-unusable" role="alert">{{#meets_target}}1:N would miss too many members at this
        gallery size{{/meets_target}}{{^meets_target}}1:N cannot keep strangers within the policy's risk at this gallery size{{/meets_target}}:
        use claim mode (recognition.trigger = "claim": a card names the member, one comparison instead of {{members}}).</p>{{/usable}}
        {{/recognition}}
        <h2>Recognition quality</h2>
        <p>Counted on this device from anonymous daily totals (no person, no single decision is kept):
        each day's median best distance of member decisions, and its share of low-margin decisions, where
        {{rule}}. The band is learned from the {{learning_days}} days before the latest day (their median ± 3 scaled
        median absolute deviations; days with fewer than {{minimum_decisions}} member decisions are left out, and it
        takes {{minimum_days}} such days to draw one).</p>
        {{^has_days}}<p>No member decision has been counted yet.</p>{{/has_days}}
        {{#has_days}}
        {{#series}}
        <section class="chart-card{{#outside}} outside{{/outside}}">
        <h3>{{title}}</h3>
        <p>Latest: <strong>{{latest}}</strong>{{#band}}; usual band {{band}}{{/band}}{{^band}}; still learning its band{{/band}}.</p>
        {{{svg}}}
        </section>
        {{/series}}
        <table><thead><tr><th>Day</th><th>Member decisions</th><th>Median best distance</th><th>Low-margin</th></tr></thead><tbody>
        {{#days}}<tr><td>{{day}}</td><td>{{decisions}}</td><td>{{median}}</td><td>{{share}}</td></tr>{{/days}}
        </tbody></table>
        {{/has_days}}
        """
}
