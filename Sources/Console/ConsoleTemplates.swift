import FacegateCore
import Logging

/// The console's templates. Plain HTML: no inline script or style (the
/// Content-Security-Policy forbids them), one stylesheet and one script served by
/// the console, and forms that work without the script where they can.
enum ConsoleTemplates {
    static let titles = [
        "login": "Sign in", "identify": "Identify", "enrol": "Enrol a member", "enrolled": "Enrolled", "members": "Members",
        "member": "Member", "dpo": "Data protection", "verified": "Export verification", "message": "facegate",
    ].merging(doorTitles.merging(denyListTitles.merging(statisticsTitles.merging(monitoringTitles) { $1 }) { $1 }) { $1 }) { $1 }

    static var all: [(String, String)] {
        [
            ("layout", layout), ("login", login), ("identify", identify), ("enrol", enrol), ("enrolled", enrolled),
            ("members", members), ("member", member), ("dpo", dpo), ("verified", verified), ("message", message),
        ] + doorPages + denyListPages + statisticsPages + monitoringPages
    }

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="csrf" content="{{csrf}}">
        <title>{{title}} · facegate</title>
        <link rel="stylesheet" href="/assets/console.css">
        <script src="/assets/console.js" defer></script>
        </head>
        <body>
        <header>
        <strong class="brand">facegate</strong>
        {{#account}}
        <nav>{{#nav}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a>{{/nav}}</nav>
        <form method="post" action="/logout" class="signout"><input type="hidden" name="csrf" value="{{csrf}}">
        <span>{{name}} ({{role}})</span> <button type="submit">Sign out</button></form>
        {{/account}}
        </header>
        <main>
        {{{content}}}
        </main>
        </body>
        </html>
        """

    static let login = """
        <h1>Sign in</h1>
        {{#message}}<p class="error" role="alert">{{message}}</p>{{/message}}
        <form method="post" action="/login" class="card">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>Name <input name="name" autocomplete="username" required autofocus></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
        <button type="submit">Sign in</button>
        </form>
        """

    static let identify = """
        <h1>Who is in this photo?</h1>
        <p>Photos are looked at in the device's memory and forgotten; nothing is stored about
        people who are not members.</p>
        <form id="identify-form" class="card">
        <label>Photos <input id="identify-photos" type="file" name="image" accept="image/jpeg,image/png" multiple required></label>
        <button type="submit">Identify</button>
        </form>
        <p id="identify-status" role="status"></p>
        <div id="identify-results"></div>
        """

    static let enrol = """
        <h1>Enrol a member</h1>
        {{#message}}<p class="error" role="alert">{{message}}</p>{{/message}}
        <form method="post" action="/enrol" enctype="multipart/form-data" class="card" id="enrol-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="notice" value="{{notice.version}}">
        <input type="hidden" name="method" value="tablet">
        <section class="notice">
        <h2>Consent notice (version {{notice.version}})</h2>
        {{{notice.html}}}
        </section>
        <fieldset><legend>What the member agrees to</legend>
        {{#purposes}}
        <label class="check"><input type="checkbox" name="purposes" value="{{id}}"{{#required}} required{{/required}}>
        <span><strong>{{id}}</strong>: {{description}}{{#required}} <em>(required: without it the door cannot recognise them)</em>{{/required}}</span></label>
        {{/purposes}}
        </fieldset>
        <label>Name <input name="name" required maxlength="200"></label>
        <label>Membership number (optional) <input name="field.membership_number" maxlength="100"></label>
        <label>Photos of the member (one person per photo)
        <input id="enrol-photos" type="file" name="photo" accept="image/jpeg,image/png" multiple></label>
        <div class="camera">
        <button type="button" id="camera-start">Use the camera</button>
        <video id="camera-view" autoplay playsinline muted hidden></video>
        <button type="button" id="camera-take" hidden>Take a photo</button>
        <span id="camera-count" role="status"></span>
        </div>
        <button type="submit">Enrol with consent</button>
        </form>
        """

    static let enrolled = """
        <h1>Enrolled</h1>
        <p class="ok">The member is enrolled: subject <code>{{subject}}</code>, {{templates}} template(s),
        consent record <code>{{consent_record}}</code>, until {{expires_at}}.</p>
        <p><a href="/members/{{subject}}">Their page</a> · <a href="/enrol">Enrol another</a></p>
        """

    static let members = """
        <h1>Members</h1>
        {{#message}}<p class="ok" role="status">{{message}}</p>{{/message}}
        <p>{{count}} enrolled. Names are decrypted in the device's memory for this page only.</p>
        <label class="filter">Find <input id="member-filter" type="search" placeholder="Type part of a name" autocomplete="off"></label>
        <table id="members"><thead><tr><th>Name</th><th>Purposes</th><th>Consent until</th></tr></thead><tbody>
        {{#subjects}}
        <tr><td><a href="/members/{{subject}}">{{name}}</a></td><td>{{purposes}}</td><td>{{expires_at}}</td></tr>
        {{/subjects}}
        </tbody></table>
        """

    static let member = """
        <h1>{{name}}</h1>
        {{#message}}<p class="ok" role="status">{{message}}</p>{{/message}}
        {{#problem}}<p class="error" role="alert">{{problem}}</p>{{/problem}}
        <p>Subject <code>{{subject}}</code>. Consent in force until {{expires_at}} for: {{purposes}}.</p>
        <h2>Consent history</h2>
        <table><thead><tr><th>Record</th><th>Notice</th><th>Purposes</th><th>Method</th><th>Given</th><th>Ends</th></tr></thead><tbody>
        {{#records}}<tr><td><code>{{id}}</code></td><td>{{notice}}</td><td>{{purposes}}</td><td>{{method}}</td><td>{{given}}</td><td>{{ended}}</td></tr>{{/records}}
        </tbody></table>
        <h2>Visits</h2>
        {{#analytics}}<p>{{visit_count}} visit(s) recorded{{#last_visit}}, the last on {{last_visit}}{{/last_visit}}.</p>{{/analytics}}
        {{^analytics}}<p>No visits are recorded: the member did not consent to attendance analytics.</p>{{/analytics}}
        {{#governance}}<p>Incidents: {{incidents}}. Deny-list: {{deny_listed}}. <a href="/denylist/members/{{subject}}">Incidents and deny-list</a></p>{{/governance}}
        <p>Their access answer (Art. 15): <a href="/members/{{subject}}/access.html">a letter to them</a> (to print; or as <a href="/members/{{subject}}/access.md">Markdown</a>) · <a href="/members/{{subject}}/access.json">JSON</a></p>
        {{#admin}}
        <h2>Add photos</h2>
        <form method="post" action="/members/{{subject}}/photos" enctype="multipart/form-data" class="card">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>Photos of this member (one person per photo; their face must match the templates held)
        <input type="file" name="photo" accept="image/jpeg,image/png" multiple required></label>
        <p>For a new look (glasses, a beard): the photos are read in memory and never kept; only their templates are added,
        under the consent in force.</p>
        <button type="submit">Add the photos</button>
        </form>
        <h2>Withdraw consent</h2>
        <form method="post" action="/members/{{subject}}/withdraw" class="card">
        <input type="hidden" name="csrf" value="{{csrf}}">
        {{#purpose_list}}<label class="check"><input type="checkbox" name="purposes" value="{{.}}"> {{.}}</label>{{/purpose_list}}
        <p>Withdrawing the required purpose erases the member.</p>
        <button type="submit">Withdraw the ticked purposes</button>
        </form>
        <h2>Erase</h2>
        <form method="post" action="/members/{{subject}}/erase" class="card danger">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <p>Erasure destroys the member's key: their templates and name can never be read again, on any copy.</p>
        <label><span>Type <strong>erase</strong> to confirm</span> <input name="confirm" autocomplete="off" required></label>
        <button type="submit">Erase this member</button>
        </form>
        {{/admin}}
        """

    static let dpo = """
        <h1>Data protection</h1>
        <h2>Exports</h2>
        <ul class="downloads">
        <li><a href="/dpo/exports/consent_log.jsonl">Consent log (JSONL)</a> · <a href="/dpo/exports/consent_log.csv">CSV</a></li>
        <li><a href="/dpo/exports/audit.jsonl">Audit log (JSONL, signed)</a></li>
        {{#fleet}}<li><a href="/dpo/exports/fleet_audit.jsonl">Every door's audit log (JSONL, from the fleet's hub, each door's chain signed by that door)</a></li>{{/fleet}}
        <li><a href="/dpo/exports/ropa.md">Record of processing (Markdown)</a> · <a href="/dpo/exports/ropa.json">JSON</a>
        · <a href="/dpo/exports/ropa_draft.md">draft</a></li>
        <li><a href="/dpo/exports/dpia.md">Impact assessment draft (Markdown)</a></li>
        <li><a href="/dpo/sign.md">The sign for the door (Markdown, from the policy)</a></li>
        </ul>
        <h2>Verify an export</h2>
        <form method="post" action="/dpo/verify" enctype="multipart/form-data" class="card">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>Export file <input type="file" name="export" required></label>
        <label>Public key to check against (64 hex digits; empty: this device's) <input name="public_key" pattern="[0-9a-fA-F]{64}"></label>
        <button type="submit">Verify</button>
        </form>
        <p>This device's public key: <code id="device-key">{{device_key}}</code>. An export carries the key that signed it:
        a file checked only against its own key shows that it is intact, not who made it.</p>
        <h2>Retention</h2>
        <p>{{subjects}} member(s) enrolled. Templates are kept {{template_days}} days, visits {{access_event_days}} days;
        the sweep runs every {{sweep_minutes}} minutes; it last ran: {{last_sweep}}.</p>
        <table><thead><tr><th>Next expiries</th><th>Subject</th></tr></thead><tbody>
        {{#expiries}}<tr><td>{{expires_at}}</td><td><a href="/members/{{subject}}"><code>{{subject}}</code></a></td></tr>{{/expiries}}
        </tbody></table>
        """

    static let verified = """
        <h1>Export verification</h1>
        {{#ok}}<p class="ok" id="verdict">The export verifies: {{summary}}</p>{{/ok}}
        {{^ok}}{{#other_key}}<p class="pending" role="alert" id="verdict">Not verified as this device's: {{summary}}</p>{{/other_key}}
        {{^other_key}}<p class="error" role="alert" id="verdict">The export does not verify: {{summary}}</p>{{/other_key}}{{/ok}}
        <p>This device's public key: <code>{{device_key}}</code></p>
        <pre>{{details}}</pre>
        <p><a href="/dpo">Back</a></p>
        """

    static let message = """
        <h1>{{heading}}</h1>
        <p class="{{kind}}" role="alert">{{text}}</p>
        {{#back}}<p><a href="{{back}}">Back</a></p>{{/back}}
        """
}
