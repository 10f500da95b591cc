"""Layout: the documents as a funder sees them, measured rather than trusted.

Workbooks are read back with openpyxl and measured with the font file's own widths
(tests/support/looks.py): every header fits its column, every sheet prints one page wide on A4
with its header rows repeated, no two series of a chart share a colour. The seed workbook is
printed by LibreOffice: it keeps to a few pages and no header runs into its neighbour. Reports
are laid out by Chromium, on a 1280-pixel screen and on the width of an A4 page: no table is
wider than the page, no two header cells overlap, and no heading is left alone at the foot of
a printed page.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from budget_planner import api
from budget_planner.views.palette import UNFUNDED_COLOUR, source_colours
from budget_planner.views.reports import funding_chart, render_html
from budget_planner.views.sweep_chart import sweep_chart
from budget_planner.views.whatif import comparison_chart, render_whatif
from budget_planner.xlsx.comparison import build_comparison_workbook
from budget_planner.xlsx.workbook import build_workbook

from tests.support.chromium import LAYOUT_PROBLEMS, Browser, a4_css_width, find_chromium
from tests.support.libreoffice import find_soffice, recalculate
from tests.support.looks import (CELL_MARGINS_PX, default_font_size, delta_e, line_px, row_px,
                                 column_px, text_px, wrap)
from tests.support.plans import ROOT, SEED_PLAN
from tests.support.workbooks import openpyxl_workbook

SCENARIOS = ROOT / "plans" / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.toml")) + sorted((SCENARIOS / "whatif").glob("*.toml"))
#: Colours closer than this (CIE76) are hard to tell apart in a legend; Okabe–Ito's closest
#: pair, blue and sky blue, is 26 apart.
LEAST_DELTA_E = 20
#: The seed workbook prints on this many A4 pages at most: the Summary, one page a period,
#: the funding rules, two of allocation, sources, phasing, findings, about.
SEED_PAGES = 11


def _need(program: str | None, what: str) -> str:
    if program is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} is missing; .ci/run installs it")
        pytest.skip(f"{what} is not installed")
    return program


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[str, Path]:
    """The seed workbook, the seed with every shipped scenario's rules in turn laid over it
    (caps, shares, pledges and gaps to show), and the what-if workbook of every scenario."""
    folder = tmp_path_factory.mktemp("layout")
    built = {}
    for name, scenarios in (("seed", []), ("capped", [SCENARIOS / "ec-cut-2014-2020.toml",
                                                      SCENARIOS / "private-funds-capped.toml"])):
        result = api.build(SEED_PLAN, scenarios)
        path = folder / f"{name}.xlsx"
        path.write_bytes(build_workbook(result.plan, result.allocation, info=result.info))
        built[name] = path
    path = folder / "whatif.xlsx"
    path.write_bytes(build_comparison_workbook(api.whatif([SEED_PLAN, *SHIPPED]).comparison))
    built["whatif"] = path
    return built


def _title_rows(ws) -> list[int]:
    """The rows a sheet repeats on every printed page (its header rows)."""
    found = re.fullmatch(r"\$(\d+):\$(\d+)", ws.print_title_rows or "")
    assert found, f"{ws.title}: no header rows repeated on each page"
    return list(range(int(found.group(1)), int(found.group(2)) + 1))


def _visible(book) -> list:
    return [ws for ws in book.worksheets if ws.sheet_state == "visible"]


@pytest.mark.parametrize("name", ["seed", "capped", "whatif"])
def test_every_header_fits_its_column(workbooks, name):
    path = workbooks[name]
    digit_px = text_px("0", default_font_size(path))
    book = openpyxl_workbook(path)
    problems = []
    for ws in _visible(book):
        spans = {(merged.min_row, merged.min_col): (merged.min_col, merged.max_col)
                 for merged in ws.merged_cells.ranges}
        for row in _title_rows(ws):
            for cell in ws[row]:
                if not isinstance(cell.value, str) or not cell.value.strip():
                    continue
                first, last = spans.get((row, cell.column), (cell.column, cell.column))
                room = sum(column_px(ws, col, digit_px)
                           for col in range(first, last + 1)) - CELL_MARGINS_PX
                size, bold = cell.font.sz or 9, bool(cell.font.b)
                where = f"{ws.title}!{cell.coordinate} {cell.value!r}"
                if not cell.alignment.wrap_text:
                    if text_px(cell.value, size, bold) > room:
                        problems.append(f"{where} is wider than its column")
                    continue
                lines = wrap(cell.value, room, size, bold)
                cut = [line for line in lines if text_px(line, size, bold) > room]
                if cut:
                    problems.append(f"{where}: {cut[0]!r} is wider than its column")
                if len(lines) * line_px(size) > row_px(ws, row) + 0.5:
                    problems.append(f"{where}: {len(lines)} lines do not fit the row's height")
    assert problems == []


@pytest.mark.parametrize("name", ["seed", "capped", "whatif"])
def test_every_sheet_prints_one_page_wide_with_its_headers(workbooks, name):
    book = openpyxl_workbook(workbooks[name])
    for ws in _visible(book):
        assert ws.print_area, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (None, 1), ws.title  # 1 is the default
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert _title_rows(ws), ws.title


def test_wrapped_rows_are_as_tall_as_their_text(workbooks):
    """The extra blank line a wrapped row used to get is gone, and no wrapped text is cut."""
    path = workbooks["seed"]
    digit_px = text_px("0", default_font_size(path))
    ws = openpyxl_workbook(path)["2010-2011"]
    room = column_px(ws, 2, digit_px) - CELL_MARGINS_PX
    for row in range(5, 13):
        activity = ws.cell(row, 2).value
        lines = len(wrap(activity, room, 9, False))
        height = row_px(ws, row)
        assert lines * line_px(9) <= height <= max(lines * line_px(9) * 1.4, 20 + 1), activity


def _chart_colours(path: Path) -> list[list[str]]:
    """Each chart's series fill colours, in series order."""
    with zipfile.ZipFile(path) as archive:
        charts = sorted(name for name in archive.namelist() if name.startswith("xl/charts/"))
        found = []
        for name in charts:
            text = archive.read(name).decode("utf-8")
            found.append(["#" + re.search(r'<a:solidFill><a:srgbClr val="(\w{6})"', series)
                          .group(1) for series in text.split("<c:ser>")[1:]])
    return found


def _apart(colours: list[str]) -> list[tuple[str, str, float]]:
    return [(a, b, round(delta_e(a, b), 1)) for a, b in itertools.combinations(colours, 2)
            if delta_e(a, b) <= LEAST_DELTA_E]


def test_no_two_series_of_a_workbook_chart_share_a_colour(workbooks):
    plan = api.build(SEED_PLAN).plan
    charts = _chart_colours(workbooks["seed"])
    assert len(charts) == 2
    for colours in charts:
        assert _apart(colours) == []
        # Each source its own colour, the same as in the report's chart; not funded is grey.
        assert colours == [*source_colours(plan.source_ids).values(), UNFUNDED_COLOUR]


def _svg_fills(svg: str) -> list[str]:
    """The fill colours of the bars of a matplotlib SVG, in order of first use."""
    fills = re.findall(r"fill: (#[0-9a-f]{6})", svg)
    return list(dict.fromkeys(fill.upper() for fill in fills
                              if fill not in ("#ffffff", "#000000")))


def test_no_two_series_of_a_report_chart_share_a_colour():
    reported = api.report(SEED_PLAN, [SCENARIOS / "ec-cut-2014-2020.toml"]).report
    plan = reported.plan
    expected = [*source_colours(plan.source_ids).values(), UNFUNDED_COLOUR]
    for svg in (funding_chart(reported), comparison_chart(reported.comparison)):
        fills = _svg_fills(svg)
        assert fills == expected
        assert _apart(fills) == []


def _sweep_svg(varies: list[str]) -> str:
    return sweep_chart(api.sweep(SEED_PLAN, varies, jobs=1).sweep, "svg").decode("utf-8")


def test_the_sweep_line_chart_draws_each_different_line_once_and_names_the_rule():
    svg = _sweep_svg(["cap.EC/2014-2020=0:26_400_000:2_400_000"])
    # 2010-2011 and 2012-2013 have no gap anywhere (no EC cap there); 2014-2020 holds the
    # whole gap: lines that would hide each other are drawn once, with both names.
    labels = [text for _, _, text, _ in _tick_labels(svg)]
    assert "2010-2011, 2012-2013" in labels and "2014-2020, all periods" in labels
    assert "cap.EC/2014-2020" not in svg and "EC cap in 2014-2020 (million €)" in svg
    strokes = list(dict.fromkeys(re.findall(r"stroke: (#[0-9a-f]{6}); stroke-width: (?:1\.6|2\.4)",
                                            svg)))
    assert len(strokes) == 2 and _apart(strokes) == []


def _tick_labels(svg: str) -> list[tuple[float, float, str, float]]:
    """(x, y, text, size) of every text of a matplotlib SVG written as text."""
    found = []
    for style, x, y, text in re.findall(
            r'<text style="([^"]*)" x="([\d.-]+)" y="([\d.-]+)"[^>]*>([^<]*)</text>', svg):
        size = float(re.search(r"font-size: ([\d.]+)px", style).group(1))
        found.append((float(x), float(y), text, size))
    return found


def test_the_sweep_heatmap_ticks_do_not_run_together():
    svg = _sweep_svg(["cap.EC/2014-2020=0:26_400_000:1_000_000",
                      "cap.NATIONAL=0:10_000_000:500_000"])
    texts = _tick_labels(svg)
    rows: dict[float, list[tuple[float, str, float]]] = {}
    for x, y, text, size in texts:
        rows.setdefault(round(y, 1), []).append((x, text, size))
    for y, row in rows.items():
        row.sort()
        for (x1, a, size), (x2, b, _) in zip(row, row[1:]):
            # Centred labels: half of each label's width either side of its x.
            width = (text_px(a, size * 0.75) + text_px(b, size * 0.75)) / 2 / (96 / 72)
            assert x2 - x1 > width, f"tick labels {a!r} and {b!r} overlap at y={y}"


# --- printed workbook -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_pdf(workbooks, tmp_path_factory) -> Path:
    _need(find_soffice(), "LibreOffice (soffice)")
    [pdf] = recalculate([workbooks["seed"]], tmp_path_factory.mktemp("pdf"), fmt="pdf")
    return pdf


def _pdftotext(*args: str) -> str:
    program = _need(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
    return subprocess.run([program, *args, "-"], capture_output=True, check=True, text=True,
                          timeout=60).stdout


@pytest.mark.client
def test_the_printed_seed_workbook_keeps_to_its_pages(seed_pdf):
    pages = _pdftotext(str(seed_pdf)).count("\f")
    assert 0 < pages <= SEED_PAGES


@pytest.mark.client
def test_no_printed_header_runs_into_its_neighbour(workbooks, seed_pdf):
    """Where two header cells meet, the gap between their words is wider than a word space
    (so no reader, and no pdftotext, takes "Difference" and "Status" for one word)."""
    book = openpyxl_workbook(workbooks["seed"])
    meetings = set()
    for ws in _visible(book):
        for row in _title_rows(ws):
            labels = [cell.value for cell in ws[row] if isinstance(cell.value, str)
                      and cell.value.strip()]
            meetings |= {(a.split()[-1], b.split()[0]) for a, b in zip(labels, labels[1:])}
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                       r"([^<]*)</word>", _pdftotext("-bbox", str(seed_pdf)))
    text = _pdftotext(str(seed_pdf))
    checked = 0
    for first, second in zip(words, words[1:]):
        (x1, y1, right, bottom, a), (left, y2, _, _, b) = first, second
        if (a, b) in meetings and abs(float(y1) - float(y2)) < 1:
            checked += 1
            height = float(bottom) - float(y1)
            assert float(left) - float(right) > 0.5 * height, f"{a!r} runs into {b!r}"
    assert checked >= 20
    for a, b in meetings:
        assert f"{a}{b}" not in text


# --- reports in a browser -------------------------------------------------------------------

@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pages")
    found = {}
    for name, scenarios in (("report", []), ("report-ec-cut", [SCENARIOS /
                                                                "ec-cut-2014-2020.toml"])):
        found[name] = folder / f"{name}.html"
        found[name].write_text(render_html(api.report(SEED_PLAN, scenarios).report), "utf-8")
    found["whatif"] = folder / "whatif.html"
    found["whatif"].write_text(render_whatif(api.whatif([SEED_PLAN, *SHIPPED]).comparison,
                                             "html"), "utf-8")
    return found


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    opened = Browser(_need(find_chromium(), "chromium"),
                     tmp_path_factory.mktemp("profile") / "profile")
    try:
        yield opened
    finally:
        opened.close()


@pytest.mark.client
@pytest.mark.parametrize("name", ["report", "report-ec-cut", "whatif"])
def test_no_table_overflows_on_screen_or_on_paper(browser, pages, name):
    import time

    browser.deadline = time.monotonic() + 60
    landscape = name == "whatif"
    session = browser.open(pages[name].as_uri(), width=1280)
    problems = [f"1280 px: {problem}" for problem in browser.evaluate(session, LAYOUT_PROBLEMS)]
    browser.layout_for(session, a4_css_width(landscape), "print")
    problems += [f"A4: {problem}" for problem in browser.evaluate(session, LAYOUT_PROBLEMS)]
    assert problems == []
    assert browser.errors() == []


@pytest.mark.client
@pytest.mark.parametrize("name", ["report", "report-ec-cut", "whatif"])
def test_printed_headings_stay_with_what_follows(browser, pages, name, tmp_path):
    import time

    browser.deadline = time.monotonic() + 60
    session = browser.open(pages[name].as_uri())
    headings = [" ".join(text.split()) for text in browser.evaluate(
        session, "[...document.querySelectorAll('h1, h2, h3')].map(h => h.innerText)")]
    pdf = browser.print_pdf(session, tmp_path / f"{name}.pdf")
    printed = _pdftotext("-layout", str(pdf)).split("\f")
    assert len(printed) > 2
    for number, page in enumerate(printed[:-1], start=1):
        lines = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
        assert lines, f"page {number} is empty"
        last = lines[-1]
        alone = [heading for heading in headings if heading.endswith(last)]
        assert alone == [], f"page {number} ends with the heading {alone[0]!r}"
