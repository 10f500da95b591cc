"""`make preview`: a screenshot of the what-if page as a person sees it, for docs/serve.md.

`python -m tests.support.preview [OUT.png]` serves the shipped plan, opens the page in
headless Chromium at 1280 CSS pixels, types caps for EU SF and Other in 2014-2020, moves the
EC 2014-2020 cap down its slider by keyboard (illustrative figures, as in the shipped
scenario ec-cut-2014-2020.toml, not the seed document's) and saves the whole page as a PNG
(default docs/serve.png).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from .chromium import Browser, find_chromium
from .served import ROOT, served

WIDTH = 1280
#: Tall enough for the figures beside the rules: the figures column scrolls on its own.
HEIGHT = 1400
SLIDER = "cap-EC-2014-2020-slider"
#: Illustrative caps typed before the slider moves: without them the other sources would
#: fill whatever EC leaves, and the gap would not move.
TYPED = {"cap-EU_SF-2014-2020": "8,000,000", "cap-OTHER-2014-2020": "5,000,000"}
PRESSES = 6


def type_caps(browser: Browser, session: str, caps: dict[str, str]) -> None:
    """Type each amount into its field, waiting for the page to answer."""
    for element, text in caps.items():
        updates = int(browser.evaluate(session, "document.body.dataset.updates"))
        browser.type_text(session, element, text)
        browser.wait_until(session, f"document.body.dataset.updates > {updates} && "
                                    "document.body.dataset.state === 'idle'")


def move_slider(browser: Browser, session: str, element: str, key: str, times: int) -> None:
    """Focus a slider and press a key on it `times` times, waiting for each answer."""
    browser.evaluate(session, f"document.getElementById({element!r}).focus()")
    for _ in range(times):
        updates = int(browser.evaluate(session, "document.body.dataset.updates"))
        browser.press(session, key)
        browser.wait_until(session, f"document.body.dataset.updates > {updates} && "
                                    "document.body.dataset.state === 'idle'")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else ROOT / "docs" / "serve.png"
    program = find_chromium()
    if program is None:
        sys.exit("chromium is not installed")
    # The default save folder, so that the picture names no folder of this machine; nothing
    # is saved.
    with tempfile.TemporaryDirectory() as folder, served() as url:
        browser = Browser(program, Path(folder) / "profile")
        try:
            session = browser.open("about:blank")
            browser.window(session, WIDTH, HEIGHT)
            browser.send("Page.navigate", {"url": url}, session)
            browser.wait_until(session, "document.body.dataset.state === 'idle'")
            type_caps(browser, session, TYPED)
            move_slider(browser, session, SLIDER, "PageDown", PRESSES)
            browser.evaluate(session, "document.activeElement.blur()")
            browser.screenshot(session, out)
            if browser.errors():
                sys.exit("the page logged errors: " + "; ".join(browser.errors()))
        finally:
            browser.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
