#!/usr/bin/env python3
"""The health page in a real browser (headless Chromium through Selenium), run by
Tests/FacegateEndToEndTests/MonitoringEndToEndTests.swift against a daemon whose
recognition-quality history it seeded (the latest day outside the band):
    monitoring_browser.py --base http://127.0.0.1:PORT --admin ana --password-file FILE --screenshots DIR
An admin signs in, follows the navigation to Health, and sees the drift warning and both
charts drawn (SVG from the server, coloured by the stylesheet). Exit status 0 when every
check held, 1 when one failed (the reason on standard error), 2 when the browser could
not be started.
"""

import argparse
import sys
import tempfile

from selenium.common.exceptions import WebDriverException

from console_browser import CheckFailed, ConsoleBrowser, check


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--admin", required=True)
    parser.add_argument("--password-file", required=True)
    parser.add_argument("--screenshots", required=True)
    arguments = parser.parse_args()
    with open(arguments.password_file, encoding="utf-8") as file:
        password = file.readline().rstrip("\n")
    try:
        browser = ConsoleBrowser(arguments.base, arguments.screenshots, tempfile.mkdtemp(prefix="fg-downloads-"))
    except WebDriverException as error:
        print(f"the browser could not start: {error}", file=sys.stderr)
        return 2
    try:
        browser.sign_in(arguments.admin, password, "/identify")
        browser.find("nav a[href='/health']").click()
        browser.expect_heading("Health")
        browser.screenshot("health")
        warning = browser.find("p.drift-warning")
        check(warning.is_displayed() and "outside its usual band" in warning.text, f"no visible drift warning: {warning.text}")
        charts = browser.find_all("svg.chart")
        check(len(charts) == 2, f"{len(charts)} charts, expected 2")
        for chart in charts:
            size = chart.size
            check(size["width"] > 300 and size["height"] > 80, f"a chart is drawn {size}")
            check(len(chart.find_elements("css selector", "circle.chart-point")) >= 2, "a chart has its points")
            check(len(chart.find_elements("css selector", "rect.chart-band")) == 1, "a chart has its band")
        # The stylesheet colours the line: nothing inline, yet not the default black fill.
        line = charts[0].find_element("css selector", "polyline.chart-line")
        check(line.value_of_css_property("fill") == "none", f"the line is filled: {line.value_of_css_property('fill')}")
        browser.log("health page: warning and two charts")
        return 0
    except CheckFailed as failure:
        browser.screenshot("failed")
        print(f"check failed: {failure}", file=sys.stderr)
        return 1
    finally:
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
