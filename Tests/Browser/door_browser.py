#!/usr/bin/env python3
"""Drives the live door page in a real browser (headless Chromium through Selenium).

Run by Tests/FacegateEndToEndTests/DoorViewEndToEndTests.swift against a daemon
playing a clip of a member on the deny-list (so each pass at the door raises an
alert), with a staff account it created through the CLI:

    door_browser.py --base http://127.0.0.1:PORT --staff sam --password-file FILE \
        --screenshots DIR --downloads DIR

What a person at the door would do: sign in as staff, open the door page, see a
decision appear without reloading, confirm an alert by clicking (deny, with a
reason), watch an alert nobody confirms turn to "expired — nothing was done", and
see the camera health line with and without the daemon's camera block. Exit status
0 when every check held, 1 when one failed, 2 when the browser could not start.
"""

import argparse
import sys
from pathlib import Path

from selenium.webdriver.support.ui import WebDriverWait

from console_browser import CheckFailed, ConsoleBrowser, check, run_in_browser

# The clip loops every two seconds; a debug build on a busy machine is slower.
LIVE_SECONDS = 60


class DoorBrowser(ConsoleBrowser):
    """The door page's steps."""

    def wait_until(self, condition, seconds, what):
        try:
            return WebDriverWait(self.driver, seconds).until(lambda d: condition())
        except Exception:
            raise CheckFailed(f"{what} did not happen within {seconds}s on {self.path()}: {self.body()}") from None

    def open_door(self):
        self.open("/door")
        self.expect_heading("At the door")
        check(self.find("#door-camera").get_attribute("data-door") == "running", "the page says no camera runs")
        self.wait_until(lambda: self.find("#door-stream").get_attribute("data-state") == "live", 20, "the stream going live")
        self.log("door page open, stream live")

    def sees_decision_live(self, name):
        """A decision row appears without a reload, with the member's name."""
        marker = self.driver.execute_script("window.doorMarker = 1; return window.doorMarker")
        self.wait_until(lambda: len(self.find_all("#door-events tbody tr[data-decision]")) > 0, LIVE_SECONDS, "a decision row")
        check(self.driver.execute_script("return window.doorMarker") == marker, "the page reloaded")
        who = [cell.text for cell in self.find_all("#door-events tbody tr[data-decision] td.who")]
        check(name in who, f"no row names {name}: {who}")
        check(not self.find_all("#door-events img, #door-alerts img"), "an image on the door page")
        self.screenshot("door-live")
        self.log(f"decisions live: {who[:5]}")

    def confirms_alert(self, name):
        """Confirms the newest open alert card: deny, with a reason, by clicking."""
        self.wait_until(lambda: self.find_all(".alert-card[data-state=open] form"), LIVE_SECONDS, "an open alert card")
        card = self.find_all(".alert-card[data-state=open]")[0]
        alert = card.get_attribute("data-alert")
        check(name in card.find_element("css selector", "h3").text, f"the card does not name {name}")
        check("Expires in" in card.find_element("css selector", ".countdown").text, "no countdown on the card")
        self.screenshot("door-alert-open")
        card.find_element("css selector", "input[name=decision][value=deny]").click()
        card.find_element("css selector", "input[name=reason]").send_keys("pushed a guard last week")
        card.find_element("css selector", "button[type=submit]").click()
        selector = f".alert-card[data-alert='{alert}']"
        self.wait_until(lambda: self.find(selector).get_attribute("data-state") == "confirmed", 15, "the alert confirmed")
        text = self.find(selector + " .countdown").text
        check("entry denied" in text, f"the confirmed card says {text!r}")
        self.screenshot("door-alert-confirmed")
        self.log(f"alert {alert} confirmed by clicking")
        return alert

    def sees_alert_expire(self):
        """An alert nobody confirms turns to expired, and says nothing was done."""
        self.wait_until(lambda: self.find_all(".alert-card[data-state=expired]"), LIVE_SECONDS, "an alert expiring")
        text = self.find(".alert-card[data-state=expired] .countdown").text
        check("nothing was done" in text, f"the expired card says {text!r}")
        check(not self.find_all(".alert-card[data-state=expired] form"), "an expired alert can still be confirmed")
        self.screenshot("door-alert-expired")
        self.log("an unconfirmed alert expired visibly")

    def camera_health(self):
        """The camera block of the daemon's status, as the page renders it: the daemon
        plays a clip in real time, so the camera is up, with its frame rate."""
        self.wait_until(lambda: self.find("#camera-health").get_attribute("data-camera") != "unknown", 15, "camera health")
        state = self.find("#camera-health").get_attribute("data-camera")
        text = self.find("#camera-health").text
        self.log(f"camera health as the daemon reports it: {text}")
        check(state == "up", f"camera health is {state!r} while the daemon plays a clip: {text!r}")
        check("frames/s" in text and "last frame" in text and "enhanced" in text, f"camera health reads {text!r}")
        self.screenshot("door-camera-health")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--staff", required=True, help="a staff account")
    parser.add_argument("--name", required=True, help="the enrolled member's name")
    parser.add_argument("--password-file", required=True)
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--downloads", required=True)
    arguments = parser.parse_args()
    password = Path(arguments.password_file).read_text(encoding="utf-8").strip()

    def steps(browser):
        browser.sign_in(arguments.staff, password, landing="/identify")
        browser.open_door()
        browser.screenshot("door-opened")
        browser.sees_decision_live(arguments.name)
        browser.confirms_alert(arguments.name)
        browser.sees_alert_expire()
        browser.camera_health()

    return run_in_browser(lambda: DoorBrowser(arguments.base, arguments.screenshots, arguments.downloads), steps, arguments.screenshots)


if __name__ == "__main__":
    sys.exit(main())
