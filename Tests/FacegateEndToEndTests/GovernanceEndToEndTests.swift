import FacegateTestSupport
import Foundation
import Testing

/// The deny-list workflow and the statistics of the venue console, over real HTTP
/// against a real daemon (`run --source none`): the two-person rule across console
/// accounts, the roles that may not see either, and the charts and CSV files drawn
/// from records of past days made with a manual clock before the daemon started.
@Suite("Console governance and statistics", .serialized, .perTestLimit)
struct GovernanceEndToEndTests {
    static let admins = [("ana", "admin"), ("ben", "admin"), ("cy", "admin"), ("sam", "staff"), ("dee", "dpo")]

    static func json(_ object: [String: Any]) -> Data { (try? JSONSerialization.data(withJSONObject: object)) ?? Data() }

    static func post(_ client: ConsoleClient, _ path: String, _ object: [String: Any]) throws -> ConsoleClient.Reply {
        try client.request("POST", path, body: json(object), contentType: "application/json")
    }

    static func form(_ client: ConsoleClient, _ path: String, _ fields: [(String, String)]) throws -> ConsoleClient.Reply {
        let body = ([("csrf", client.csrf ?? "")] + fields).map { "\($0.0)=\(ConsoleClient.formEncode($0.1))" }.joined(separator: "&")
        return try client.request("POST", path, body: Data(body.utf8), contentType: "application/x-www-form-urlencoded")
    }

    /// The `<article>` of an entry in the queue, from its id to its end.
    static func article(_ page: String, entry: String) -> String {
        guard let start = page.range(of: "id=\"entry-\(entry)\"") else { return "" }
        let rest = page[start.lowerBound...]
        return String(rest[..<(rest.range(of: "</article>")?.upperBound ?? rest.endIndex)])
    }

    @Test("two admins enable the deny-list; ana proposes, her approval is refused, ben and cy approve; staff and the DPO get 403")
    func twoPersonRule() throws {
        var subjects: [String] = []
        let console = try ConsoleDaemon(
            accounts: Self.admins,
            prepare: { fixture in
                subjects = try fixture.recordHistory(members: [("Mallory Example", ["entry"])])
            })
        let member = try #require(subjects.first)
        let ana = console.client("ana"), ben = console.client("ben"), cy = console.client("cy")

        for name in ["sam", "dee"] {
            // The DPO reads the list (to review who approved what); staff do not.
            #expect(try console.client(name).request("GET", "/api/v1/denylist").status == (name == "dee" ? 200 : 403), "\(name)")
            // Staff record incidents at the door (`incident.add`), which is refused here only because the deny-list is off.
            let incident = try Self.post(console.client(name), "/api/v1/incidents", ["subject": member, "category": "theft"])
            #expect(incident.status == (name == "sam" ? 409 : 403), "\(name): \(incident.text)")
            #expect(try Self.post(console.client(name), "/api/v1/denylist/enable", ["dpia_reference": "D-1", "reason": "x"]).status == 403)
            let session = console.client()
            #expect(try session.signIn(name, ConsoleDaemon.password).status == 303)
            #expect(try session.request("GET", "/denylist").status == 403, "\(name)")
            #expect(try session.request("GET", "/denylist/members/\(member)").status == 403, "\(name)")
        }

        // Off, and the page says so; an incident is refused while it is off.
        let off = try ana.request("GET", "/api/v1/denylist")
        #expect(off.status == 200 && off.json["enabled"] as? Bool == false, "\(off.text)")
        let anaPages = console.client()
        try anaPages.signIn("ana", ConsoleDaemon.password)
        #expect(try anaPages.request("GET", "/denylist").text.contains("The deny-list is <strong>off</strong>"))
        #expect(try Self.post(ana, "/api/v1/incidents", ["subject": member, "category": "theft"]).status == 409)

        // Enabling takes two accounts; the same account twice is refused; a blank reason is refused.
        #expect(try Self.post(ana, "/api/v1/denylist/enable", ["dpia_reference": "DPIA-2026-016", "reason": "  "]).status == 400)
        let first = try Self.post(ana, "/api/v1/denylist/enable", ["dpia_reference": "DPIA-2026-016", "reason": "fights at the door"])
        #expect(first.status == 200 && first.json["state"] as? String == "proposed", "\(first.text)")
        #expect(try anaPages.request("GET", "/denylist").text.contains("id=\"activation-pending\""))
        #expect(try Self.post(ana, "/api/v1/denylist/enable", ["dpia_reference": "DPIA-2026-016", "reason": "again"]).status == 409)
        let benPages = console.client()
        try benPages.signIn("ben", ConsoleDaemon.password)
        let second = try Self.form(benPages, "/denylist/enable", [("dpia_reference", "DPIA-2026-016"), ("reason", "agreed")])
        #expect(second.status == 303, "\(second.text)")
        let on = try ana.request("GET", "/api/v1/denylist")
        #expect(on.json["enabled"] as? Bool == true && on.json["dpia_reference"] as? String == "DPIA-2026-016", "\(on.text)")

        // ana records an incident and proposes an entry with it as evidence.
        let incident = try Self.post(ana, "/api/v1/incidents", ["subject": member, "category": "theft", "note": "took a bag"])
        let incidentID = try #require((incident.json["incident"] as? [String: Any])?["incident"] as? String, "\(incident.text)")
        #expect(try anaPages.request("GET", "/denylist/members/\(member)").text.contains(incidentID))
        #expect(try Self.post(ana, "/api/v1/denylist/entries", ["subject": member, "reason": "theft", "evidence": []]).status == 409)
        let proposed = try Self.post(
            ana, "/api/v1/denylist/entries", ["subject": member, "reason": "stole twice", "evidence": [incidentID]])
        let entry = try #require(proposed.json["entry"] as? String, "\(proposed.text)")

        // The proposer's page has no approve button for it, and the server refuses her anyway.
        let anaQueue = Self.article(try anaPages.request("GET", "/denylist").text, entry: entry)
        #expect(anaQueue.contains("Mallory Example") && !anaQueue.contains("class=\"approve\""), "\(anaQueue)")
        let own = try Self.post(ana, "/api/v1/denylist/entries/\(entry)/approve", ["reason": "I am sure"])
        #expect(own.status == 409 && own.errorCode == "denylist_refused", "\(own.text)")
        #expect(
            (own.json["error"] as? [String: Any])?["message"] as? String
                == "'console:ana' proposed this entry and cannot approve it: another admin must")

        // ben: a blank reason is refused; with a reason his approval counts (1 of 2).
        #expect(try Self.post(ben, "/api/v1/denylist/entries/\(entry)/approve", ["reason": " "]).status == 400)
        #expect(try Self.form(benPages, "/denylist/entries/\(entry)/approve", [("reason", "")]).status == 400)
        #expect(Self.article(try benPages.request("GET", "/denylist").text, entry: entry).contains("class=\"approve\""))
        let benApproves = try Self.form(benPages, "/denylist/entries/\(entry)/approve", [("reason", "the evidence holds")])
        #expect(benApproves.status == 303 && benApproves.headers["location"] == "/denylist?done=approve", "\(benApproves.text)")
        #expect(!Self.article(try benPages.request("GET", "/denylist").text, entry: entry).contains("class=\"approve\""))
        let pending = try ana.request("GET", "/api/v1/denylist")
        #expect((pending.json["entries"] as? [[String: Any]])?.first?["state"] as? String == "proposed")

        // cy's approval is the second: the entry is in force.
        let third = try Self.post(cy, "/api/v1/denylist/entries/\(entry)/approve", ["reason": "agreed with ben"])
        #expect(third.status == 200 && third.json["state"] as? String == "active", "\(third.text)")
        #expect(try Self.post(cy, "/api/v1/denylist/entries/0123456789abcdef/approve", ["reason": "x"]).status == 404)
        #expect(try cy.request("POST", "/api/v1/denylist/entries/not-an-id/approve").status == 404)
        let active = try anaPages.request("GET", "/denylist").text
        #expect(active.contains("/denylist/entries/\(entry)/renew"), "the entry in force offers a renewal")

        // One OS user (root) made all three accounts within seconds: the entry is in force,
        // and the DPO's review says its approvals may not be two people.
        let listed = try console.cli(["denylist", "list", "--json"])
        let review = ((listed.jsonLines.first?["entries"] as? [[String: Any]])?.first?["review"] as? [String]) ?? []
        #expect(review.contains("console:ben and console:cy were both made by the OS user root"), "\(listed.stdout)")
        #expect(review.contains { $0.hasPrefix("console:ana and console:ben were made") && $0.hasSuffix("seconds apart") }, "\(review)")
        let dee = console.client("dee")
        let dpoView = try dee.request("GET", "/api/v1/denylist")
        #expect(dpoView.status == 200 && dpoView.text.contains("were both made by the OS user root"), "\(dpoView.status) \(dpoView.text)")
        // The member's access answer names the staff by role, never by account.
        let answer = try dee.request("GET", "/api/v1/subjects/\(member)")
        #expect(answer.status == 200 && answer.text.contains("a venue administrator"), "\(answer.text)")
        #expect(!answer.text.contains("console:ana") && !answer.text.contains("console:ben"), "\(answer.text)")

        let audit = try console.auditEntries()
        func actors(_ action: String) -> [String] {
            audit.filter { $0["action"] as? String == action }.compactMap { $0["actor"] as? String }
        }
        #expect(actors("denylist.enable") == ["console:ana", "console:ben"])
        #expect(actors("incident.add") == ["console:ana"] && actors("denylist.propose") == ["console:ana"])
        #expect(actors("denylist.approve") == ["console:ben", "console:cy"])
        #expect(!audit.contains { "\($0)".contains("Mallory") })
        #expect(console.daemon.stop() == 0)
    }

    @Test("the stats page draws one bar group per day with data; the DPO sees aggregates only; no member without consent is a regular")
    func statistics() throws {
        let daysWithData = [1, 3, 6, 9]
        var subjects: [String] = []
        let console = try ConsoleDaemon(
            accounts: Self.admins,
            prepare: { fixture in
                subjects = try fixture.recordHistory(
                    members: [("Rita Regular", ["entry", "attendance-analytics"]), ("Pete Private", ["entry"])], visitDaysAgo: daysWithData)
            })
        let rita = subjects[0], pete = subjects[1]
        let ana = console.client()
        try ana.signIn("ana", ConsoleDaemon.password)
        let page = try ana.request("GET", "/stats?days=30")
        #expect(page.status == 200, "\(page.text.prefix(400))")
        let decisions = try #require(page.text.range(of: "id=\"decisions-chart\"").map { String(page.text[$0.upperBound...]) })
        let chart = String(decisions[..<(decisions.range(of: "</svg>")?.upperBound ?? decisions.endIndex)])
        #expect(chart.components(separatedBy: "<g class=\"bar-group\">").count - 1 == 31, "a slot for each day of the period")
        let barTitles = chart.components(separatedBy: "<rect class=\"bar ").dropFirst().compactMap { bar in
            bar.range(of: "<title>").map { String(bar[$0.upperBound...].prefix(10)) }
        }
        let expectedDays = daysWithData.map { String(Self.iso(Date().addingTimeInterval(-Double($0) * 86_400)).prefix(10)) }.sorted()
        #expect(Array(Set(barTitles)).sorted() == expectedDays, "\(barTitles)")
        #expect(barTitles.count == 2 * daysWithData.count, "a member and an unknown bar each day")
        #expect(page.text.contains("Rita Regular") && page.text.contains(rita))
        #expect(!page.text.contains("Pete Private") && !page.text.contains(pete))
        #expect(page.text.contains("weekly: two or more visits at most 8 days apart on average"))
        #expect(page.text.contains("<title id=\"hours-title\">") && page.text.contains("18 · visits: 4"))

        let regulars = try ana.request("GET", "/stats/regulars.csv?days=30")
        #expect(regulars.status == 200 && regulars.headers["content-type"]?.hasPrefix("text/csv") == true)
        let rows = regulars.text.split(separator: "\n")
        #expect(rows.count == 2 && rows[1].hasPrefix("\(rita),Rita Regular,4,") && rows[1].hasSuffix(",weekly"), "\(regulars.text)")
        let daily = try ana.request("GET", "/stats/daily.csv?days=7")
        #expect(daily.text.split(separator: "\n").first == "day,member,unknown,alert" && daily.text.split(separator: "\n").count == 9)
        #expect(try ana.request("GET", "/stats?days=5").status == 400)

        let dee = console.client()
        try dee.signIn("dee", ConsoleDaemon.password)
        let dpoPage = try dee.request("GET", "/stats?days=90")
        #expect(dpoPage.status == 200 && dpoPage.text.contains("<g class=\"bar-group\">"))
        #expect(dpoPage.text.contains("weekly 1;"), "the DPO sees how many regulars per segment")
        let dpoCSV = try dee.request("GET", "/stats/daily.csv?days=30")
        #expect(dpoCSV.status == 200)
        for text in [dpoPage.text, dpoCSV.text, try console.client("dee").request("GET", "/api/v1/stats").text] {
            #expect(!text.contains(rita) && !text.contains(pete) && !text.contains("Rita") && !text.contains("Pete"))
        }
        #expect(try dee.request("GET", "/stats/regulars.csv").status == 403)
        #expect(try console.client("dee").request("GET", "/api/v1/stats?names=true").status == 403)
        #expect(try console.client("sam").request("GET", "/api/v1/stats").status == 403)

        // The CLI's `stats` still answers, with the new fields and pseudonyms only.
        let cli = try console.cli(["stats"])
        let answer = try #require(cli.jsonLines.first, "\(cli.stderr)")
        #expect((answer["regulars"] as? [[String: Any]])?.map { $0["subject"] as? String } == [rita])
        #expect((answer["visits_by_hour"] as? [Int])?[18] == 4 && !cli.stdout.contains("Rita"))
        #expect(console.daemon.stop() == 0)
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
