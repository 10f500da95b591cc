"""`make preview`: every document the project sends on, as a person sees it, in output/preview/.

The seed workbook and the what-if workbook of every shipped scenario are printed by
LibreOffice; the report (of the seed plan, and with the EC cut laid over it) and the what-if
page are printed by Chromium on A4 and photographed in a 1280-pixel window; the sweep charts
are drawn as PNG. Each PDF is then turned into one PNG a page by pdftoppm, so that the pages can
be looked at side by side before anything is sent on.

    python -m tests.support.print_preview [OUTPUT_FOLDER]
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from budget_planner import api
from budget_planner.views.reports import render_html
from budget_planner.views.sweep_chart import sweep_chart
from budget_planner.views.whatif import render_whatif
from budget_planner.xlsx.comparison import build_comparison_workbook
from budget_planner.xlsx.workbook import build_workbook

from tests.support.chromium import Browser, find_chromium
from tests.support.libreoffice import recalculate
from tests.support.plans import ROOT, SEED_PLAN

SCENARIOS = ROOT / "plans" / "scenarios"
#: Pixels an inch of the page images: enough to read 7-point type.
RESOLUTION = 110


def shipped_scenarios() -> list[Path]:
    return sorted(SCENARIOS.glob("*.toml")) + sorted((SCENARIOS / "whatif").glob("*.toml"))


def documents(folder: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """Write the workbooks, the HTML pages and the sweep charts; (workbooks, pages, charts)."""
    built = api.build(SEED_PLAN)
    seed = folder / "seed-workbook.xlsx"
    seed.write_bytes(build_workbook(built.plan, built.allocation, info=built.info))
    compared = api.whatif([SEED_PLAN, *shipped_scenarios()])
    whatif_book = folder / "whatif-workbook.xlsx"
    whatif_book.write_bytes(build_comparison_workbook(compared.comparison))
    pages = []
    for name, scenarios in (("report", []), ("report-ec-cut", [SCENARIOS / "ec-cut-2014-2020.toml"])):
        page = folder / f"{name}.html"
        page.write_text(render_html(api.report(SEED_PLAN, scenarios).report), encoding="utf-8")
        pages.append(page)
    page = folder / "whatif.html"
    page.write_text(render_whatif(compared.comparison, "html"), encoding="utf-8")
    pages.append(page)
    charts = []
    for name, vary in (("sweep-line", ["cap.EC/2014-2020=0:26_400_000:400_000"]),
                       ("sweep-heatmap", ["cap.EC/2014-2020=0:26_400_000:1_000_000",
                                          "cap.NATIONAL=0:10_000_000:500_000"])):
        swept = api.sweep(SEED_PLAN, vary, jobs=1)
        chart = folder / f"{name}.png"
        chart.write_bytes(sweep_chart(swept.sweep, "png"))
        charts.append(chart)
    return [seed, whatif_book], pages, charts


def print_pages(pages: list[Path], folder: Path) -> list[Path]:
    """Each page printed to PDF on A4 and photographed 1280 pixels wide."""
    program = find_chromium()
    if program is None:
        raise SystemExit("chromium is not installed")
    printed = []
    with tempfile.TemporaryDirectory(prefix="budget-planner-preview-") as scratch:
        browser = Browser(program, Path(scratch) / "profile")
        try:
            for page in pages:
                session = browser.open(page.as_uri(), width=1280)
                browser.screenshot(session, folder / f"{page.stem}-1280px.png")
                printed.append(browser.print_pdf(session, folder / f"{page.stem}.pdf"))
                browser.send("Target.detachFromTarget", {"sessionId": session})
        finally:
            browser.close()
    return printed


def page_images(pdf: Path) -> list[Path]:
    """One PNG a page of `pdf`, beside it: NAME-1.png, NAME-2.png, ..."""
    subprocess.run(["pdftoppm", "-r", str(RESOLUTION), "-png", str(pdf), str(pdf.with_suffix(""))],
                   check=True, timeout=120)
    pattern = re.compile(re.escape(pdf.stem) + r"-\d+\.png")
    return sorted(path for path in pdf.parent.iterdir() if pattern.fullmatch(path.name))


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else ROOT / "output" / "preview"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    workbooks, pages, charts = documents(folder)
    pdfs = recalculate(workbooks, folder, fmt="pdf") + print_pages(pages, folder)
    for pdf in pdfs:
        images = page_images(pdf)
        print(f"{pdf.relative_to(folder)}: {len(images)} page(s)")
    for chart in charts:
        print(chart.relative_to(folder))
    print(f"preview in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
