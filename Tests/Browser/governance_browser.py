#!/usr/bin/env python3
"""Drives the deny-list workflow and the statistics pages in headless Chromium.

Run by Tests/FacegateEndToEndTests/BrowserEndToEndTests.swift against a daemon it
started, with a member and past visits recorded before the daemon started:

    governance_browser.py --base http://127.0.0.1:PORT --admins ana,ben,cy --dpo dee \
        --password-file FILE --member "Mallory Example" --regular "Rita Regular" \
        --screenshots DIR --downloads DIR

What people would do, in order: ana finds the deny-list off and asks to enable it;
ben asks too and it is on; ana records an incident against the member and proposes
an entry with it as evidence, and sees no approve button on her own proposal; ben
approves with a reason; cy approves and the entry is in force; ana opens the
statistics and sees both charts and the regular; the DPO sees the charts without
any name. Every page is saved as a PNG. Exit status 0 when every check held, 1 when
one failed (the reason on standard error), 2 when the browser could not be started.
"""

import argparse
import sys
from pathlib import Path

from console_browser import CheckFailed, ConsoleBrowser, check, run_in_browser
from selenium.webdriver.support.ui import Select

DPIA = "DPIA-2026-016"


class GovernanceBrowser(ConsoleBrowser):
    """The console session with the steps of the deny-list and statistics pages."""

    def deny_list(self):
        self.open("/denylist")
        self.expect_heading("Deny-list")
        return self.find("#denylist-state").text

    def ask_to_enable(self, who, expect_on):
        state = self.deny_list()
        check("off" in state, f"the deny-list should be off before {who} asks: {state}")
        self.screenshot(f"denylist-off-{who}")
        self.find("#enable-form input[name=dpia_reference]").send_keys(DPIA)
        self.find("#enable-form input[name=reason]").send_keys(f"{who}: fights at the door, DPIA signed off")
        self.submit("#enable-form")
        self.expect_heading("Deny-list")
        state = self.find("#denylist-state").text
        if expect_on:
            check("on" in state and DPIA in state, f"after the second admin the deny-list is not on under {DPIA}: {state}")
        else:
            pending = self.find("#activation-pending").text
            check(DPIA in pending and "1 of 2" in pending, f"the pending activation is not shown: {pending}")
        self.screenshot(f"denylist-after-{who}")
        self.log(f"{who} asked to enable the deny-list; on: {expect_on}")

    def propose(self, member):
        self.deny_list()
        Select(self.find("#member-pick select[name=subject]")).select_by_visible_text(member)
        self.submit("#member-pick")
        self.expect_heading(member)
        check("No incident is recorded." in self.body(), f"{member} already has incidents: {self.body()}")
        Select(self.find("#incident-form select[name=category]")).select_by_visible_text("theft")
        self.find("#incident-form input[name=note]").send_keys("took a bag from the lockers")
        self.submit("#incident-form")
        self.expect_heading(member)
        check("The incident is recorded." in self.body(), f"no confirmation of the incident: {self.body()}")
        rows = self.find_all("#incidents tbody tr")
        check(len(rows) == 1 and "theft" in rows[0].text, f"the incident is not listed: {[r.text for r in rows]}")
        self.screenshot("denylist-member-incident")
        self.find("#propose-form input[name=evidence]").click()
        self.find("#propose-form input[name=reason]").send_keys("stole from members twice")
        self.submit("#propose-form")
        self.expect_heading("Deny-list")
        entries = self.find_all("article.entry")
        check(len(entries) == 1 and member in entries[0].text, f"the queue does not hold the proposal: {self.body()}")
        entry = entries[0].get_attribute("id").removeprefix("entry-")
        check(not entries[0].find_elements("css selector", "button.approve"), "the proposer sees an approve button on her own entry")
        check("You proposed this" in entries[0].text, "the proposer is not told that others decide")
        self.screenshot("denylist-queue-proposer")
        self.log(f"proposed entry {entry}; no approve button for the proposer")
        return entry

    def approve(self, who, entry, reason, expect_active):
        self.deny_list()
        article = self.find(f"#entry-{entry}")
        check(article.find_elements("css selector", "button.approve"), f"{who} has no approve button")
        self.screenshot(f"denylist-queue-{who}")
        article.find_element("css selector", "input[name=reason]").send_keys(reason)
        article.find_element("css selector", "button.approve").click()
        self.expect_heading("Deny-list")
        check("Your approval is recorded." in self.body(), f"no confirmation of {who}'s approval: {self.body()}")
        if expect_active:
            check(not self.find_all(f"#entry-{entry}"), "the entry is still in the queue after the last approval")
            active = self.find("#active").text
            check("Mallory" in active, f"the entry is not in force: {active}")
        else:
            article = self.find(f"#entry-{entry}")
            check("approvals 1 of 2" in article.text, f"the queue does not count {who}'s approval: {article.text}")
            check(not article.find_elements("css selector", "button.approve"), f"{who} may approve twice")
        self.screenshot(f"denylist-after-{who}-approved")
        self.log(f"{who} approved entry {entry}; in force: {expect_active}")

    def statistics(self, who, regular, sees_names):
        self.open("/stats")
        self.expect_heading("Statistics")
        for chart in ("#decisions-chart", "#hours-chart"):
            svg = self.find(chart + " svg")
            bars = svg.find_elements("css selector", "rect.bar")
            check(bars, f"{chart} has no bars")
            check(svg.size["width"] > 300, f"{chart} is drawn {svg.size['width']} px wide")
        check("weekly:" in self.find("#segment-rule").text, "the segmentation's rule is not on the page")
        shows = regular in self.find("main").text
        check(shows == sees_names, f"{who}: the regular's name shown = {shows}, expected {sees_names}")
        self.screenshot(f"stats-{who}")
        self.log(f"{who}: both charts drawn; the regular's name shown: {shows}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--admins", required=True, help="three admin accounts, comma-separated: proposer, two approvers")
    parser.add_argument("--dpo", required=True)
    parser.add_argument("--password-file", required=True)
    parser.add_argument("--member", required=True, help="the enrolled member's name")
    parser.add_argument("--regular", required=True, help="a regular's name (attendance-analytics consent, past visits)")
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--downloads", required=True)
    arguments = parser.parse_args()
    password = Path(arguments.password_file).read_text(encoding="utf-8").strip()
    ana, ben, cy = arguments.admins.split(",")
    def steps(browser):
        browser.sign_in(ana, password, landing="/identify")
        browser.ask_to_enable(ana, expect_on=False)
        browser.sign_out()
        browser.sign_in(ben, password, landing="/identify")
        browser.ask_to_enable(ben, expect_on=True)
        browser.sign_out()
        browser.sign_in(ana, password, landing="/identify")
        entry = browser.propose(arguments.member)
        browser.sign_out()
        browser.sign_in(ben, password, landing="/identify")
        browser.approve(ben, entry, "the incident is recorded and serious", expect_active=False)
        browser.sign_out()
        browser.sign_in(cy, password, landing="/identify")
        browser.approve(cy, entry, "agreed with ben", expect_active=True)
        browser.statistics(cy, arguments.regular, sees_names=True)
        browser.sign_out()
        browser.sign_in(arguments.dpo, password, landing="/dpo")
        browser.statistics(arguments.dpo, arguments.regular, sees_names=False)
        browser.sign_out()

    return run_in_browser(lambda: GovernanceBrowser(arguments.base, arguments.screenshots, arguments.downloads), steps, arguments.screenshots)


if __name__ == "__main__":
    sys.exit(main())
