"""Real-client proof: headless Chromium opens the HTML report, shows its totals, logs no error.

Chromium is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`): the page's
console messages, uncaught exceptions and log entries arrive as events, the rendered DOM is read
back with `Runtime.evaluate`, and `Page.captureScreenshot` takes the screenshot. A page with a
deliberate error shows that the error check does catch one.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from budget_planner import load_plan
from budget_planner.views.reports import build_report, render_html, render_markdown
from budget_planner.engine.scenario import load_scenario
from budget_planner.engine.whatif import stacked, whatif
from budget_planner.views.whatif import render_whatif

from tests.support.plans import ROOT, SEED_PLAN

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Every exchange with the browser, and each test as a whole, is bounded.
TIMEOUT = 60.0
SEED_TOTALS = {"2010-2011": "1,850,000.00", "2012-2013": "1,900,000.00",
               "2014-2020": "26,400,000.00"}


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing; .ci/run installs it")
        pytest.skip("chromium is not installed")
    return found


class Browser:
    """Headless Chromium over the DevTools protocol on a pipe: JSON messages ended by NUL."""

    def __init__(self, program: str, profile: Path):
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def pipe_fds() -> None:  # in the child: its fd 3 reads our commands, fd 4 answers
            # Copies above 4 first, so that placing one end cannot close the other.
            read_end = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD_CLOEXEC, 10)
            write_end = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD_CLOEXEC, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [program, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=pipe_fds, close_fds=False)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.deadline = time.monotonic() + TIMEOUT

    def _read_message(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise ConnectionError("chromium closed the pipe")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read_message()
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]
            self.events.append(answer)

    def wait_for(self, method: str) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read_message()
            self.events.append(event)
            if event.get("method") == method:
                return event

    def open(self, url: str) -> str:
        """Attach to the page, enable the event domains, load `url`; the session id."""
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(target for target in targets if target["type"] == "page")
        session = self.send("Target.attachToTarget", {"targetId": page["targetId"],
                                                      "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired")
        return session

    def evaluate(self, session: str, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                           session=session)
        return result["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries seen so far."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append("console: " + " ".join(str(arg.get("value", arg.get("description")))
                                                    for arg in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                found.append("exception: " + params["exceptionDetails"].get("text", ""))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append("log: " + params["entry"].get("text", ""))
        return found

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (OSError, RuntimeError, TimeoutError, ConnectionError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        os.close(self._to_browser)
        os.close(self._from_browser)


@pytest.fixture
def browser(chromium, tmp_path):
    opened = Browser(chromium, tmp_path / "profile")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module")
def seed_report():
    plan, _ = load_plan(SEED_PLAN)
    scenario, problems = load_scenario(ROOT / "plans" / "scenarios" / "ec-cut-2014-2020.toml", plan)
    assert problems == [] and scenario is not None
    comparison = stacked(plan, [scenario])
    last = comparison.runs[-1]
    return build_report(last.plan, last.reconciliation, last.allocation, [scenario.name],
                        comparison)


@pytest.mark.client
def test_chromium_renders_the_report_with_its_totals_and_no_error(browser, seed_report, tmp_path):
    started = time.monotonic()
    page = tmp_path / "report.html"
    page.write_text(render_html(seed_report), encoding="utf-8")
    session = browser.open(page.as_uri())
    assert browser.evaluate(session, "document.getElementById('programme-total').textContent") \
        == "30,150,000.00"
    shown = browser.evaluate(session, """Object.fromEntries(
        [...document.querySelectorAll('td.period-total')].map(
            cell => [cell.dataset.period, cell.textContent]))""")
    assert shown == SEED_TOTALS
    text = browser.evaluate(session, "document.body.innerText")
    assert "30,150,000.00" in text and "Scenario comparison" in text
    assert "+3,100,000.00" in text  # the EC cut's change in the unfunded amount
    # The charts are drawn: two inline SVGs with a real size.
    sizes = browser.evaluate(session, """[...document.querySelectorAll('figure svg')].map(
        svg => Math.round(svg.getBoundingClientRect().width))""")
    assert len(sizes) == 2 and min(sizes) > 300
    assert browser.errors() == []
    screenshot = tmp_path / "report.png"
    data = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                        session=session)["data"]
    screenshot.write_bytes(base64.b64decode(data))
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 10_000
    assert time.monotonic() - started < TIMEOUT


@pytest.mark.client
def test_the_error_check_catches_errors(browser, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><title>x</title><script>console.error('deliberate');"
                    "undefinedFunction();</script>", encoding="utf-8")
    browser.open(page.as_uri())
    errors = browser.errors()
    assert any("deliberate" in error for error in errors), errors
    assert any(error.startswith("exception:") for error in errors), errors


@pytest.mark.client
def test_chromium_renders_the_whatif_page(browser, tmp_path):
    plan, _ = load_plan(SEED_PLAN)
    scenario, _ = load_scenario(ROOT / "plans" / "scenarios" / "ec-cut-2014-2020.toml", plan)
    page = tmp_path / "whatif.html"
    page.write_text(render_whatif(whatif(plan, [scenario]), "html"), encoding="utf-8")
    session = browser.open(page.as_uri())
    cells = browser.evaluate(session, """[...document.querySelectorAll(
        'tr[data-measure="unfunded"][data-period="programme"] td')].map(cell => cell.textContent)""")
    assert cells == ["programme", "700,000.00", "3,800,000.00", "+3,100,000.00"]
    budget = browser.evaluate(session, """[...document.querySelectorAll(
        'tr[data-measure="budget"][data-period="programme"] td')].map(cell => cell.textContent)""")
    assert budget == ["programme", "30,150,000.00", "30,150,000.00", "0.00"]
    assert browser.errors() == []


def test_markdown_shows_the_same_figures(seed_report):
    text = render_markdown(seed_report)
    assert "Programme total **30,150,000.00**" in text
    for period, total in SEED_TOTALS.items():
        assert f"| {period} | {total} | {total} | 0.00 | OK |" in text
    assert "| 2014-2020 | 700,000.00 | 3,800,000.00 | +3,100,000.00 |" in text


@pytest.mark.client
def test_chromium_shows_the_n_plus_n_tables_with_a_chart_per_source(browser, tmp_path):
    from budget_planner import api
    from tests.support.phasing import ILLUSTRATIVE

    report = api.report(None, [ILLUSTRATIVE]).report
    page = tmp_path / "phasing.html"
    page.write_text(render_html(report), encoding="utf-8")
    session = browser.open(page.as_uri())
    shown = browser.evaluate(session, """Object.fromEntries(
        [...document.querySelectorAll('table.deadlines')].map(table => [
            table.dataset.source,
            [...table.querySelectorAll('tr.at-risk')].map(
                row => [row.dataset.year, row.lastElementChild.textContent])]))""")
    assert shown == {source.id: [[str(row.year), f"{row.at_risk:,.2f}"]
                                 for row in source.decommitment if row.at_risk]
                     for source in report.phasing.committed}
    assert shown["EU_SF"] == [["2015", "100,000.00"]]
    sizes = browser.evaluate(session, """[...document.querySelectorAll(
        '#phasing figure svg')].map(svg => Math.round(svg.getBoundingClientRect().width))""")
    assert len(sizes) == 2 and min(sizes) > 300
    assert browser.errors() == []
