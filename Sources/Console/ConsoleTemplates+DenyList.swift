import FacegateCore
import Logging

/// The deny-list workflow's pages (`VenueConsole+DenyList.swift`): the state, the
/// approval queue, entries due for review, and a member's incidents and proposals.
/// Buttons a refusal would answer are left out (the proposer's own approve button).
extension ConsoleTemplates {
    static let denyListTitles = ["denylist": "Deny-list", "denylist_member": "Deny-list: member"]

    static var denyListPages: [(String, String)] { [("denylist", denyList), ("denylist_member", denyListMember)] }

    static let denyList = """
        <h1>Deny-list</h1>
        {{#message}}<p class="ok" role="status">{{message}}</p>{{/message}}
        {{#enabled}}
        <p class="state on" id="denylist-state">The deny-list is <strong>on</strong>, under DPIA <strong>{{reference}}</strong>{{#by_policy}} (set in the policy file){{/by_policy}}.
        A match at the door only raises an alert that a person confirms; nobody is refused automatically.</p>
        {{/enabled}}
        {{^enabled}}
        <p class="state off" id="denylist-state">The deny-list is <strong>off</strong>. No incident can be recorded and no entry made
        until it is enabled under a data-protection impact assessment (DPIA): by the policy file (<code>denylist.enabled</code>
        and <code>denylist.dpia_reference</code>), or by {{required}} different admins each asking below with the same DPIA reference.</p>
        {{/enabled}}
        {{#activation}}{{#pending}}
        <p class="pending" id="activation-pending">Enabling under DPIA <strong>{{reference}}</strong> is pending: {{count}} of {{required}} admins have asked ({{asked}}).
        {{#you_asked}}Another admin must ask too.{{/you_asked}}</p>
        {{/pending}}{{/activation}}
        {{^enabled}}
        <h2>Enable the deny-list</h2>
        <form method="post" action="/denylist/enable" class="card" id="enable-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>DPIA reference <input name="dpia_reference" required maxlength="100"></label>
        <label>Reason <input name="reason" required maxlength="500"></label>
        <button type="submit">Ask to enable</button>
        </form>
        {{/enabled}}
        {{#enabled}}
        <h2>Approval queue</h2>
        <p>An entry is in force once {{required}} admins other than its proposer approved it, until its review date
        ({{review_days}} days later); any of them may reject it. Every decision needs a reason and is in the audit log.</p>
        {{^queue}}<p id="queue-empty">Nothing waits for a decision.</p>{{/queue}}
        {{#queue}}
        <article class="entry card" id="entry-{{entry}}">
        <h3>{{name}} {{#renewal}}<span class="tag">renewal</span>{{/renewal}}</h3>
        <p>Proposed by {{proposed_by}} on {{proposed_at}}: {{reason}}</p>
        <p>Evidence (incidents): <code>{{evidence}}</code> · approvals {{approvals}} of {{required}}{{#has_approvers}} ({{approvers}}){{/has_approvers}}</p>
        {{#mine}}<p class="muted mine">You proposed this: other admins decide.</p>{{/mine}}
        {{#recorded_evidence}}<p class="muted mine">You recorded evidence for this: other admins decide.</p>{{/recorded_evidence}}
        {{#has_review}}<div class="review"><p>Two people? For the DPO's review:</p><ul>{{#review}}<li>{{finding}}</li>{{/review}}</ul></div>{{/has_review}}
        <form method="post" action="/denylist/entries/{{entry}}/approve" class="decision approve-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        {{#can_approve}}
        <label>Reason <input name="reason" required maxlength="500"></label>
        <button type="submit" class="approve">Approve</button>
        <button type="submit" class="reject" formaction="/denylist/entries/{{entry}}/reject">Reject</button>
        {{/can_approve}}
        {{^can_approve}}
        <label>Reason to reject <input name="reason" required maxlength="500"></label>
        <button type="submit" class="reject" formaction="/denylist/entries/{{entry}}/reject">Reject</button>
        {{/can_approve}}
        </form>
        </article>
        {{/queue}}
        <h2>Review due within {{notice_days}} days</h2>
        {{^review_soon}}<p>No entry in force reaches its review date within {{notice_days}} days.</p>{{/review_soon}}
        {{#review_soon}}<p class="pending">{{name}}: review on {{review_at}}{{#renewal}}, renewal pending{{/renewal}}.</p>{{/review_soon}}
        <h2>In force</h2>
        {{^active}}<p id="none-active">No entry is in force.</p>{{/active}}
        <table id="active"><thead><tr><th>Member</th><th>Reason</th><th>Review</th><th>Renew</th><th>Lift early</th></tr></thead><tbody>
        {{#active}}
        <tr><td><a href="/denylist/members/{{subject}}">{{name}}</a></td><td>{{reason}}</td><td>{{review_at}}{{#review_soon}} <strong>soon</strong>{{/review_soon}}</td>
        <td>{{#can_renew}}<form method="post" action="/denylist/entries/{{entry}}/renew" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}"><input name="reason" required maxlength="500" placeholder="Why it is still needed" aria-label="Reason to renew">
        <button type="submit">Renew</button></form>{{/can_renew}}{{#renewal}}renewal waiting for approvals{{/renewal}}</td>
        <td><form method="post" action="/denylist/entries/{{entry}}/lift" class="inline lift-form">
        <input type="hidden" name="csrf" value="{{csrf}}"><input name="reason" required maxlength="500" placeholder="Why it ends now" aria-label="Reason to lift">
        <button type="submit" class="reject">Lift</button></form></td></tr>
        {{/active}}
        </tbody></table>
        <h2>Incidents and proposals</h2>
        <p>Incidents are recorded on a member's deny-list page. {{#rules}}The policy's rule proposes an entry after {{incidents}}
        incident(s) of {{category}} within {{window_days}} days. {{/rules}}An admin may propose one with a reason and incidents as evidence.</p>
        <form method="get" action="/denylist/member" class="card" id="member-pick">
        <label>Member <select name="subject" required>{{#members}}<option value="{{subject}}">{{name}}</option>{{/members}}</select></label>
        <button type="submit">Open their deny-list page</button>
        </form>
        {{#has_closed}}<h2>Closed</h2>{{/has_closed}}
        {{#closed}}<p class="muted">{{name}}: {{state}} (proposed {{proposed_at}}).</p>{{/closed}}
        <h2>Disable</h2>
        <form method="post" action="/denylist/disable" class="card danger">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <p>One admin may turn the deny-list off: it only protects people.{{#by_policy}} It is on in the policy file; turn it off there.{{/by_policy}}</p>
        <label>Reason <input name="reason" required maxlength="500"></label>
        <button type="submit">Disable the deny-list</button>
        </form>
        {{/enabled}}
        """

    static let denyListMember = """
        <h1>{{name}}</h1>
        {{#message}}<p class="ok" role="status">{{message}}</p>{{/message}}
        <p>Subject <code>{{subject}}</code> · <a href="/members/{{subject}}">member page</a> · <a href="/denylist">deny-list</a></p>
        {{^enabled}}<p class="state off">The deny-list is off: no incident can be recorded and no entry made.</p>{{/enabled}}
        <h2>Incidents</h2>
        {{^has_incidents}}<p id="no-incidents">No incident is recorded.</p>{{/has_incidents}}
        {{#has_incidents}}
        <table id="incidents"><thead><tr><th>Incident</th><th>When (UTC)</th><th>Category</th><th>Note</th><th>Recorded by</th></tr></thead><tbody>
        {{#incidents}}<tr><td><code>{{id}}</code></td><td>{{at}}</td><td>{{category}}</td><td>{{note}}</td><td>{{by}}</td></tr>{{/incidents}}
        </tbody></table>
        {{/has_incidents}}
        {{#enabled}}
        <h2>Record an incident</h2>
        <form method="post" action="/denylist/members/{{subject}}/incidents" class="card" id="incident-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>Category <select name="category" required>{{#categories}}<option>{{.}}</option>{{/categories}}</select></label>
        <label>What happened (stored encrypted with the member's key) <input name="note" maxlength="1000"></label>
        <button type="submit">Record the incident</button>
        </form>
        <h2>Entries</h2>
        {{^entries}}<p>No deny-list entry.</p>{{/entries}}
        {{#entries}}<p>Entry <code>{{entry}}</code>: {{state}}{{#renewal}}, renewal pending{{/renewal}}; proposed by {{proposed_by}}: {{reason}}{{#active}}; review {{review_at}}{{/active}}.</p>{{/entries}}
        {{#can_propose}}{{#has_incidents}}
        <h2>Propose an entry</h2>
        <form method="post" action="/denylist/entries" class="card" id="propose-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="subject" value="{{subject}}">
        <fieldset><legend>Evidence: the incidents it rests on</legend>
        {{#incidents}}<label class="check"><input type="checkbox" name="evidence" value="{{id}}"> <span><code>{{id}}</code> {{category}}, {{at}}</span></label>{{/incidents}}
        </fieldset>
        <label>Reason <input name="reason" required maxlength="500"></label>
        <button type="submit">Propose (other admins decide)</button>
        </form>
        {{/has_incidents}}{{/can_propose}}
        {{/enabled}}
        """
}
