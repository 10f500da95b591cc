"""A real browser for the tests: headless Chromium driven over the DevTools protocol.

Chromium is driven over a pipe (`--remote-debugging-pipe`): the page's console messages,
uncaught exceptions and log entries arrive as events, the rendered DOM is read back with
`Runtime.evaluate`, keys are pressed with `Input.dispatchKeyEvent`,
`Page.captureScreenshot` takes screenshots and `Page.printToPDF` prints as the browser's print
dialog would. Used by the browser tests and by `make preview`.
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

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--font-render-hinting=none"]
#: Every exchange with the browser, and each test as a whole, is bounded.
TIMEOUT = 60.0
#: Keys as Input.dispatchKeyEvent wants them: key, code, Windows virtual key code.
KEYS = {"ArrowLeft": ("ArrowLeft", 37), "ArrowRight": ("ArrowRight", 39),
        "ArrowUp": ("ArrowUp", 38), "ArrowDown": ("ArrowDown", 40), "Home": ("Home", 36),
        "End": ("End", 35), "PageUp": ("PageUp", 33), "PageDown": ("PageDown", 34),
        "Tab": ("Tab", 9), "Enter": ("Enter", 13)}


#: A4 in inches, and the margins the reports' print stylesheet sets (15 mm).
A4_INCHES = (8.27, 11.69)
PRINT_MARGIN_INCHES = 15 / 25.4


def a4_css_width(landscape: bool = False) -> int:
    """The width in CSS pixels (96 an inch) of an A4 page's printable area."""
    width = A4_INCHES[1] if landscape else A4_INCHES[0]
    return int((width - 2 * PRINT_MARGIN_INCHES) * 96)


def find_chromium() -> str | None:
    """The Chromium program, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def chromium() -> str:
    """The Chromium program; a test that needs it fails in CI when it is missing."""
    found = find_chromium()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing; .ci/run installs it")
        pytest.skip("chromium is not installed")
    return found


@pytest.fixture
def browser(chromium, tmp_path):
    """A fresh headless Chromium with a profile of its own, closed after the test."""
    opened = Browser(chromium, tmp_path / "profile")
    try:
        yield opened
    finally:
        opened.close()


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

    def wait_for(self, method: str, session: str | None = None) -> dict[str, Any]:
        """The next event `method` (of `session`, when given), waiting for it if need be."""
        def wanted(event: dict[str, Any]) -> bool:
            return event.get("method") == method and (
                session is None or event.get("sessionId") == session)

        for event in self.events:
            if wanted(event):
                return event
        while True:
            event = self._read_message()
            self.events.append(event)
            if wanted(event):
                return event

    def open(self, url: str, width: int | None = None) -> str:
        """Attach to the page, enable the event domains, load `url` (in a window `width`
        pixels wide, when given); the session id."""
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(target for target in targets if target["type"] == "page")
        session = self.send("Target.attachToTarget", {"targetId": page["targetId"],
                                                      "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        if width is not None:
            self.window(session, width, 900)
        self.navigate(session, url)
        return session

    def navigate(self, session: str, url: str) -> None:
        """Load `url` and wait for it (not for an earlier page's load)."""
        self.events = [event for event in self.events
                       if event.get("method") != "Page.loadEventFired"]
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired", session)

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

    def press(self, session: str, key: str) -> None:
        """Press and release a key in the focused element, as a person would."""
        code, number = KEYS[key]
        for kind in ("rawKeyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": code,
                                                 "windowsVirtualKeyCode": number,
                                                 "nativeVirtualKeyCode": number}, session)

    def type_text(self, session: str, element: str, text: str) -> None:
        """Focus the element with this id, select what it holds and type `text` over it."""
        self.evaluate(session, f"(e => {{ e.focus(); e.select(); }})"
                               f"(document.getElementById({json.dumps(element)}))")
        self.send("Input.insertText", {"text": text}, session)

    def wait_until(self, session: str, expression: str, timeout: float = 30.0) -> Any:
        """Evaluate `expression` until it is truthy; its value. Raises TimeoutError."""
        end = min(time.monotonic() + timeout, self.deadline)
        while True:
            value = self.evaluate(session, expression)
            if value:
                return value
            if time.monotonic() > end:
                raise TimeoutError(f"never true: {expression}")
            time.sleep(0.05)

    def window(self, session: str, width: int, height: int) -> None:
        """Lay the page out for a window of this size (CSS pixels)."""
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                         "deviceScaleFactor": 1,
                                                         "mobile": False}, session)

    def layout_for(self, session: str, width: int, media: str) -> None:
        """Lay the page out `width` CSS pixels wide for `media` (`screen` or `print`)."""
        self.window(session, width, 900)
        self.send("Emulation.setEmulatedMedia", {"media": media}, session)

    def print_pdf(self, session: str, path: Path) -> Path:
        """Print the page as the browser's print dialog would, with the page's own paper
        size and margins (@page), whatever window or media was emulated before."""
        self.send("Emulation.clearDeviceMetricsOverride", session=session)
        self.send("Emulation.setEmulatedMedia", {"media": ""}, session)
        data = self.send("Page.printToPDF", {
            "preferCSSPageSize": True, "printBackground": True, "displayHeaderFooter": False,
            "paperWidth": A4_INCHES[0], "paperHeight": A4_INCHES[1]}, session)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def screenshot(self, session: str, path: Path, *, full: bool = True) -> Path:
        """A PNG of the page (the whole page with `full`), written to `path`."""
        data = self.send("Page.captureScreenshot", {"format": "png",
                                                    "captureBeyondViewport": full},
                         session)["data"]
        path.write_bytes(base64.b64decode(data))
        return path


#: For each table of a page: its width against its container's, and header cells that overlap
#: or whose text overflows them (read from the rendered layout).
LAYOUT_PROBLEMS = """(() => {
  const found = [];
  const viewport = document.documentElement.clientWidth;
  for (const [number, table] of [...document.querySelectorAll('table')].entries()) {
    const name = table.id || table.className || `table ${number + 1}`;
    const box = table.getBoundingClientRect();
    const container = table.parentElement.getBoundingClientRect();
    if (box.right > Math.min(container.right, viewport) + 0.5)
      found.push(`${name}: ${Math.round(box.width)} px wide, overflows by `
                 + `${Math.round(box.right - Math.min(container.right, viewport))} px`);
    const heads = [...table.querySelectorAll('thead th')];
    for (const cell of heads) {
      if (cell.scrollWidth > cell.clientWidth + 1)
        found.push(`${name}: header "${cell.textContent.trim()}" is wider than its cell`);
    }
    for (let i = 1; i < heads.length; i++) {
      const left = heads[i - 1].getBoundingClientRect(), right = heads[i].getBoundingClientRect();
      if (left.top === right.top && left.right > right.left + 0.5)
        found.push(`${name}: headers "${heads[i - 1].textContent.trim()}" and `
                   + `"${heads[i].textContent.trim()}" overlap`);
      const words = (cell) => { const r = document.createRange(); r.selectNodeContents(cell);
                                return r.getBoundingClientRect(); };
      const a = words(heads[i - 1]), b = words(heads[i]);
      if (a.width && b.width && a.top < b.bottom && b.top < a.bottom && a.right > b.left - 2
          && a.left < b.left)
        found.push(`${name}: header texts "${heads[i - 1].textContent.trim()}" and `
                   + `"${heads[i].textContent.trim()}" touch`);
    }
  }
  return found;
})()"""
