"""Real-client proof for the what-if page: `budget-planner serve` in a process of its own, the
page in headless Chromium, used by keyboard as a person would; its figures checked against
`allocate --scenario` and a hand-solved gap, with no error in the browser's console."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from budget_planner.cli import cli
from budget_planner.core.money import display
from tests.support.chromium import TIMEOUT, browser, chromium  # noqa: F401 (fixtures)
from tests.support.plans import SEED_PLAN
from tests.support.preview import PRESSES, SLIDER, TYPED, WIDTH, move_slider, type_caps
from tests.support.served import served

pytestmark = pytest.mark.client

TEXT = "document.getElementById({!r}).textContent"
VALUE = "document.getElementById({!r}).value"
IDLE = "document.body.dataset.state === 'idle'"


def command_gaps(runner, tmp_path, caps: dict[str, str]) -> dict[str, Decimal]:
    """The gaps `allocate --scenario` finds with these 2014-2020 caps: per period and in all."""
    lines = ['name = "The same change"']
    for source, amount in caps.items():
        lines += ["[[funding.caps]]", f'source = "{source}"', 'period = "2014-2020"',
                  f'amount = "{amount}"']
    path = tmp_path / "same-change.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["allocate", str(SEED_PLAN), "--scenario", str(path),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    gaps = {"programme": Decimal(answer["objective"])}
    for gap in answer["gaps"]:
        gaps[gap["period"]] = gaps.get(gap["period"], Decimal(0)) + Decimal(gap["amount"])
    return gaps


def plain(shown: str) -> str:
    """An amount as the page shows it ("10,100,000.00") as a plain decimal."""
    return shown.replace(",", "")


def test_moving_the_ec_cap_shows_the_gap_allocate_gives(browser, runner, tmp_path):
    started = time.monotonic()
    saves = tmp_path / "saves"
    with served("--save-dir", str(saves)) as url:
        session = browser.open(url)
        browser.window(session, WIDTH, 900)
        browser.wait_until(session, IDLE)
        assert browser.evaluate(session, TEXT.format("unfunded-total")) == "700,000.00"
        # Type caps for the other sources of the big lines, then move EC's down by keyboard.
        type_caps(browser, session, TYPED)
        move_slider(browser, session, SLIDER, "PageDown", PRESSES)
        ec = plain(browser.evaluate(session, VALUE.format("cap-EC-2014-2020")))
        assert Decimal(ec) < Decimal("25700000")  # the slider started at EC's eligible lines
        shown = browser.evaluate(session, TEXT.format("unfunded-total"))
        # What allocate gives for the same caps, written independently of the page.
        caps = {"EC": ec, **{element.split("-")[1]: plain(text) for element, text in TYPED.items()}}
        gaps = command_gaps(runner, tmp_path, caps)
        assert shown == display(gaps["programme"])
        # By hand: 25,700,000 of 2014-2020 lines may take EC, EU SF or Other, the 700,000 of
        # the unmarked lines never; EC's own lines (400,000) fit in any cap moved to here.
        hand = Decimal(700_000) + max(Decimal(0), Decimal(25_700_000) - Decimal(ec)
                                      - Decimal(8_000_000) - Decimal(5_000_000))
        assert gaps["programme"] == hand > Decimal(700_000)
        periods = browser.evaluate(session, """Object.fromEntries([...document.querySelectorAll(
            '#periods-table tbody tr')].map(row => [row.dataset.period,
            row.children[2].firstChild.textContent]))""")
        assert periods == {"2010-2011": "0.00", "2012-2013": "0.00",
                           "2014-2020": display(gaps["2014-2020"]),
                           "programme": display(gaps["programme"])}
        assert browser.evaluate(session, TEXT.format("unfunded-change")) == \
            f"+{display(hand - 700_000)} against the baseline"
        # The binding caps and the chart follow.
        binding = browser.evaluate(session, """[...document.querySelectorAll('#binding tbody tr')]
            .map(row => row.children[0].textContent + ' ' + row.children[3].textContent)""")
        assert binding == ["EC 1.00", "EU SF 1.00", "Other 1.00"]
        assert browser.evaluate(session, "document.querySelectorAll('#chart rect').length") > 5
        assert browser.errors() == []

        # Save as scenario: the file reproduces the page's figures with allocate.
        browser.evaluate(session, "document.getElementById('save').click()")
        said = browser.wait_until(session, f"{TEXT.format('status')}.startsWith('Saved') && "
                                           f"{TEXT.format('status')}")
        saved = saves / "what-if.toml"
        assert str(saved) in said and saved.is_file()
        result = runner.invoke(cli, ["allocate", str(SEED_PLAN), "--scenario", str(saved),
                                     "--format", "json"])
        assert display(Decimal(json.loads(result.stdout)["objective"])) == shown
        # Saving again asks first, and keeps the file until told to replace it.
        before = saved.read_bytes()
        browser.evaluate(session, "document.getElementById('save').click()")
        browser.wait_until(session, "!document.getElementById('confirm').hidden")
        assert "exists" in browser.evaluate(session, TEXT.format("confirm-text"))
        assert saved.read_bytes() == before
        assert browser.evaluate(session, "document.activeElement.id") == "confirm-keep"
        assert [error for error in browser.errors() if "409" not in error] == []

        browser.screenshot(session, tmp_path / "serve.png")
    assert (tmp_path / "serve.png").read_bytes().startswith(b"\x89PNG")
    assert time.monotonic() - started < 2 * TIMEOUT


def test_a_bad_amount_is_shown_beside_its_field(browser, tmp_path):
    with served("--save-dir", str(tmp_path)) as url:
        session = browser.open(url)
        browser.wait_until(session, IDLE)
        updates = int(browser.evaluate(session, "document.body.dataset.updates"))
        browser.type_text(session, "cap-EC-2014-2020", "-1")
        browser.wait_until(session, f"document.body.dataset.updates > {updates} && {IDLE}")
        assert browser.evaluate(session, "document.getElementById('cap-EC-2014-2020')"
                                         ".getAttribute('aria-invalid')") == "true"
        assert "negative" in browser.evaluate(session, TEXT.format("cap-EC-2014-2020-error"))
        assert not browser.evaluate(session, "document.getElementById('problems').hidden")
        # The last figures stay, marked as such; the page itself logs no error (the browser
        # notes the 422 answer, which is how the server says "cannot be read").
        assert browser.evaluate(session, TEXT.format("unfunded-total")) == "700,000.00"
        assert [error for error in browser.errors() if "422" not in error] == []
        updates = int(browser.evaluate(session, "document.body.dataset.updates"))
        browser.type_text(session, "cap-EC-2014-2020", "1,000,000")
        browser.wait_until(session, f"document.body.dataset.updates > {updates} && {IDLE}")
        assert browser.evaluate(session, "document.getElementById('problems').hidden")
        assert browser.evaluate(session, "document.getElementById('cap-EC-2014-2020')"
                                         ".getAttribute('aria-invalid')") is None
