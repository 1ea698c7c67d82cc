#!/usr/bin/env python3
"""Drives the venue console in a real browser (headless Chromium through Selenium).

Run by Tests/FacegateEndToEndTests/BrowserEndToEndTests.swift against a daemon it
started (`facegate run --source none`), with accounts it created through the CLI:

    console_browser.py --base http://127.0.0.1:PORT --admin ana --dpo dee \
        --password-file FILE --photos .cache/fixtures --screenshots DIR --downloads DIR

What a person would do, in order: sign in as an admin; enrol two people through the
enrol page (ticking the notice's purposes, uploading photos); identify a portrait
and a group photo on the identify page and read the canvas and the face list; open
a member's page and erase them with the typed confirmation; sign out; sign in as
the DPO and download the consent log. Every page visited is saved as a PNG in the
screenshot directory. Exit status 0 when every check held, 1 when one failed (the
reason on standard error), 2 when the browser could not be started.
"""

import argparse
import base64
import json
import os
import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Identify and enrol run the face pipeline in a debug build on a 2-core machine.
SLOW_SECONDS = 120


class CheckFailed(Exception):
    """A check about what the console showed did not hold."""


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


class ConsoleBrowser:
    """One browser session against the console, with the helpers the steps share."""

    def __init__(self, base, screenshots, downloads):
        self.base = base.rstrip("/")
        self.screenshots = Path(screenshots)
        self.downloads = Path(downloads)
        self.screenshots.mkdir(parents=True, exist_ok=True)
        self.downloads.mkdir(parents=True, exist_ok=True)
        self.shots = 0
        self.started = time.monotonic()

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in (
            "--headless=new",
            "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--window-size=1280,900",
            "--lang=en-GB",
        ):
            options.add_argument(argument)
        options.add_experimental_option(
            "prefs",
            {
                "download.default_directory": str(self.downloads.resolve()),
                "download.prompt_for_download": False,
                "safebrowsing.enabled": False,
            },
        )
        # The driver is Debian's: Selenium Manager never downloads one.
        self.driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(SLOW_SECONDS)
        # Headless Chromium saves downloads only when told where, through CDP.
        self.driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior",
            {"behavior": "allow", "downloadPath": str(self.downloads.resolve()), "eventsEnabled": True},
        )

    def close(self):
        self.driver.quit()

    def log(self, text):
        print(f"[{time.monotonic() - self.started:6.1f}s] {text}", flush=True)

    # Pages and elements

    def open(self, path):
        self.driver.get(self.base + path)

    def path(self):
        """The current page's path and query, without the base."""
        return self.driver.current_url[len(self.base) :]

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait_for(self, css, seconds=SLOW_SECONDS, what=None):
        try:
            return WebDriverWait(self.driver, seconds).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))
        except TimeoutException:
            raise CheckFailed(f"{what or css} did not appear within {seconds}s on {self.path()}") from None

    @staticmethod
    def replaced(error):
        """Whether `error` says an element's page was replaced under it: Selenium's
        stale element, or (chromium 156, mid-navigation) an inspector error that the
        node "does not belong to the document"."""
        if isinstance(error, (StaleElementReferenceException, NoSuchElementException)):
            return True
        return isinstance(error, WebDriverException) and "does not belong to the document" in str(error)

    def heading(self):
        # A form's submission replaces the page: an h1 found on the old one goes stale.
        for _ in range(20):
            try:
                return self.find("h1").text.strip()
            except WebDriverException as error:
                if not self.replaced(error):
                    raise
                time.sleep(0.1)
        return self.find("h1").text.strip()

    def expect_heading(self, expected, seconds=SLOW_SECONDS):
        """Waits for the page whose heading is `expected`: right after a submission the
        old page (and its heading) may still be there for a moment."""

        def arrived(_):
            try:
                return self.find("h1").text.strip() == expected
            except WebDriverException as error:
                if not self.replaced(error):
                    raise
                return False

        try:
            WebDriverWait(self.driver, seconds).until(arrived)
        except TimeoutException:
            pass
        check(
            self.heading() == expected, f"expected the page '{expected}', got '{self.heading()}' at {self.path()}: {self.body()}"
        )

    def body(self):
        return self.find("main").text.strip()[:600]

    def submit(self, form_css):
        """Submits a form with its own submit button, as a click would."""
        self.find(form_css + " button[type=submit]").click()

    def screenshot(self, name):
        """Saves the whole page (not only the window) as NN-name.png."""
        width, height = self.driver.execute_script(
            "const e = document.documentElement; return [e.scrollWidth, Math.max(e.scrollHeight, document.body.scrollHeight)]"
        )
        # CDP captures beyond the viewport: a long page is one picture, with no scrollbar.
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 8000), "scale": 1},
            },
        )
        self.shots += 1
        file = self.screenshots / f"{self.shots:02d}-{name}.png"
        file.write_bytes(base64.b64decode(shot["data"]))
        self.log(f"screenshot {file.name} ({self.path()})")

    # Steps

    def sign_in(self, name, password, landing):
        self.open("/login")
        self.expect_heading("Sign in")
        self.screenshot(f"login-{name}")
        self.find("input[name=name]").send_keys(name)
        self.find("input[name=password]").send_keys(password)
        self.submit("form[action='/login']")
        WebDriverWait(self.driver, 30).until(lambda d: not self.path().startswith("/login"))
        check(self.path() == landing, f"{name} landed on {self.path()}, expected {landing}")
        check(f"{name} (" in self.find("header").text, f"the header does not name {name}: {self.find('header').text}")
        self.log(f"signed in as {name}")

    def sign_out(self):
        self.submit("form.signout")
        WebDriverWait(self.driver, 30).until(lambda d: self.path().startswith("/login"))
        self.open("/identify")
        check(self.path().startswith("/login"), "after signing out, /identify did not send back to the sign-in page")
        self.log("signed out")

    def enrol(self, name, purposes, photos):
        """Enrols through the enrol page; returns the new subject id."""
        self.open("/enrol")
        self.expect_heading("Enrol a member")
        boxes = {box.get_attribute("value"): box for box in self.find_all("input[type=checkbox][name=purposes]")}
        check(set(purposes) <= set(boxes), f"the notice offers {sorted(boxes)}, not all of {purposes}")
        required = [value for value, box in boxes.items() if box.get_attribute("required") is not None]
        check(required == ["entry"], f"the required purpose should be 'entry', the page marks {required}")
        check(self.find(".notice").text.strip() != "", "the consent notice is empty")
        self.find("input[name=name]").send_keys(name)
        for purpose in purposes:
            boxes[purpose].click()
        # One send_keys with newline-separated paths selects several files.
        self.find("#enrol-photos").send_keys("\n".join(str(Path(p).resolve()) for p in photos))
        check(
            self.driver.execute_script("return document.getElementById('enrol-photos').files.length") == len(photos),
            "the file input did not take every photo",
        )
        self.screenshot("enrol-" + name.split()[0].lower())
        self.submit("#enrol-form")
        self.expect_heading("Enrolled")
        subject = self.find("main code").text.strip()
        check(len(subject) == 32 and all(c in "0123456789abcdef" for c in subject), f"no subject id on the page: {self.body()}")
        self.screenshot("enrolled-" + name.split()[0].lower())
        self.log(f"enrolled {name} as {subject}")
        return subject

    def required_purpose_is_enforced(self, photo):
        """Without the required purpose the browser does not send the form."""
        self.open("/enrol")
        self.find("input[name=name]").send_keys("Nobody Ticked")
        self.find("#enrol-photos").send_keys(str(Path(photo).resolve()))
        self.submit("#enrol-form")
        time.sleep(0.5)
        check(self.path() == "/enrol" and self.heading() == "Enrol a member", "the form was sent without the required purpose")
        valid = self.driver.execute_script("return document.querySelector('input[name=purposes][required]').validity.valid")
        check(valid is False, "the required purpose's box is not marked invalid")
        self.log("the enrol form is not sent without the required purpose")

    def identify(self, photos, expected):
        """Identifies `photos` on the identify page. `expected` holds, per photo, the
        names that must be members and the fewest faces; returns each photo's faces."""
        self.open("/identify")
        self.expect_heading("Who is in this photo?")
        self.find("#identify-photos").send_keys("\n".join(str(Path(p).resolve()) for p in photos))
        self.submit("#identify-form")
        self.wait_for("#identify-status[data-done='1']", what="the identify results")
        results = self.find_all("#identify-results .result")
        check(len(results) == len(photos), f"{len(results)} result blocks for {len(photos)} photos: {self.body()}")
        answers = []
        for photo, result, (names, fewest) in zip(photos, results, expected, strict=True):
            label = Path(photo).name
            errors = result.find_elements(By.CSS_SELECTOR, ".error")
            check(not errors, f"{label}: the page shows an error: {errors[0].text if errors else ''}")
            canvases = result.find_elements(By.CSS_SELECTOR, "canvas[data-faces]")
            check(len(canvases) == 1, f"{label}: no canvas with data-faces")
            count = int(canvases[0].get_attribute("data-faces"))
            width = self.driver.execute_script("return arguments[0].width", canvases[0])
            check(width > 0, f"{label}: the canvas is empty")
            faces = [(f.get_attribute("data-decision"), f.text) for f in result.find_elements(By.CSS_SELECTOR, ".face")]
            check(len(faces) == count, f"{label}: data-faces={count} but {len(faces)} faces are listed")
            check(count >= fewest, f"{label}: {count} faces, expected at least {fewest}")
            members = [text for decision, text in faces if decision == "member"]
            for name in names:
                check(any(name in text for text in members), f"{label}: {name} is not among the members: {faces}")
            check(len(members) == len(names), f"{label}: expected {len(names)} member(s), got {members}")
            others = [text for decision, text in faces if decision != "member"]
            check(all("not a member" in text for text in others), f"{label}: unknown faces not shown as 'not a member': {others}")
            self.log(f"{label}: {count} face(s), members {names}, {len(others)} not a member")
            answers.append(faces)
        self.screenshot("identify-results")
        return answers

    def erase(self, subject, name):
        self.open("/members")
        self.expect_heading("Members")
        check(name in self.body(), f"{name} is not on the members page")
        self.screenshot("members")
        # The filter (the page's script) hides the rows that do not match.
        self.find("#member-filter").send_keys(name.split()[-1])
        visible = [row.text for row in self.find_all("#members tbody tr") if row.is_displayed()]
        check(len(visible) == 1 and name in visible[0], f"filtering by '{name.split()[-1]}' shows {visible}")
        self.driver.find_element(By.LINK_TEXT, name).click()
        self.expect_heading(name)
        check(self.path() == f"/members/{subject}", f"the member's page is at {self.path()}")
        check(name not in self.driver.current_url, "the member's name is in the address")
        check("Consent history" in self.find("main").text, "the member's page has no consent history")
        self.screenshot("member")
        form = f"form[action='/members/{subject}/erase']"
        self.find(form + " input[name=confirm]").send_keys("erase")
        self.submit(form)
        self.expect_heading("Members")
        check("erased" in self.path(), f"after erasing, the page is {self.path()}")
        check("The member was erased." in self.body(), f"the members page does not say the member was erased: {self.body()}")
        check(name not in self.body(), f"{name} is still listed after erasure")
        self.screenshot("members-after-erase")
        self.open(f"/members/{subject}")
        check(self.heading() == "Not done", f"the erased member's page still opens: {self.body()}")
        self.screenshot("erased-member")
        self.log(f"erased {name}")

    def download_consent_log(self, subjects):
        self.expect_heading("Data protection")
        self.screenshot("dpo")
        for old in self.downloads.glob("*"):
            old.unlink()
        self.find("a[href='/dpo/exports/consent_log.jsonl']").click()
        deadline = time.monotonic() + 30
        files = []
        while time.monotonic() < deadline:
            files = [f for f in self.downloads.iterdir() if not f.name.endswith(".crdownload")]
            if files:
                break
            time.sleep(0.2)
        check(files, f"no download in {self.downloads} after 30s")
        file = files[0]
        check(file.name == "facegate-consent_log.jsonl", f"the download is named {file.name}")
        records = []
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise CheckFailed(f"{file.name} line {number} is not JSON: {error}: {line[:120]}") from None
            check(isinstance(record, dict), f"{file.name} line {number} is not a JSON object")
            records.append(record)
        check(records, f"{file.name} is empty")
        text = json.dumps(records)
        for subject in subjects:
            check(subject in text, f"the consent log has no record of {subject}")
        self.log(f"downloaded {file.name}: {len(records)} JSON lines, records of {len(subjects)} subject(s)")
        # The page is unchanged by a download; show it again for the record.
        self.screenshot("dpo-after-download")
        return records


def run_in_browser(make_browser, steps, screenshots):
    """Starts headless Chromium with `make_browser()`, runs `steps(browser)` and gives the
    script's exit status: 0 when every check held, 1 when one failed (the reason on
    standard error, the page saved as a screenshot), 2 when the browser could not start."""
    try:
        browser = make_browser()
    except WebDriverException as error:
        print(f"could not start headless Chromium through {CHROMEDRIVER}: {error.msg}", file=sys.stderr)
        return 2
    try:
        steps(browser)
    except CheckFailed as failure:
        print(f"FAILED at {browser.path()}: {failure}", file=sys.stderr)
        try:
            browser.screenshot("failure")
        except WebDriverException:
            pass
        return 1
    finally:
        browser.close()
    browser.log(f"all checks passed; {browser.shots} screenshots in {screenshots}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the console's address, e.g. http://127.0.0.1:8080")
    parser.add_argument("--admin", required=True, help="an admin account")
    parser.add_argument("--dpo", required=True, help="a DPO account")
    parser.add_argument("--password-file", required=True, help="a file holding both accounts' password")
    parser.add_argument("--photos", required=True, help="the fixture photos' directory (obama*.jpg, t1.jpg)")
    parser.add_argument("--screenshots", required=True, help="where each page's PNG goes")
    parser.add_argument("--downloads", required=True, help="Chromium's download directory")
    arguments = parser.parse_args()
    password = Path(arguments.password_file).read_text(encoding="utf-8").strip()

    def photo(name):
        return os.path.join(arguments.photos, name)

    def steps(browser):
        browser.sign_in(arguments.admin, password, landing="/identify")
        browser.screenshot("identify-empty")
        browser.required_purpose_is_enforced(photo("obama.jpg"))
        obama = browser.enrol("Barack Obama", ["entry", "attendance-analytics"], [photo("obama.jpg"), photo("obama2.jpg")])
        # t1.jpg is six people; enrolling it enrols its largest face.
        ada = browser.enrol("Ada Lovelace", ["entry"], [photo("t1.jpg")])
        browser.identify(
            [photo("obama3.jpg"), photo("t1.jpg")],
            expected=[(["Barack Obama"], 1), (["Ada Lovelace"], 5)],
        )
        browser.erase(obama, "Barack Obama")
        browser.sign_out()
        browser.screenshot("signed-out")
        browser.sign_in(arguments.dpo, password, landing="/dpo")
        browser.download_consent_log([obama, ada])
        browser.sign_out()

    return run_in_browser(lambda: ConsoleBrowser(arguments.base, arguments.screenshots, arguments.downloads), steps, arguments.screenshots)


if __name__ == "__main__":
    sys.exit(main())
