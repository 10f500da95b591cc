"""What-if views: the comparison the engine computed, as text, JSON, Markdown and HTML.

Nothing here computes a figure; the workbook view is `xlsx.comparison`.
"""

from __future__ import annotations

from typing import Any, Literal

from ..core.money import ZERO, display, money_text
from ..core.text import terminal_text
from ..engine.whatif import Comparison
from .charts import stacked_bars_svg
from .dates import DocumentDate, document_date
from .render import text_table
from .templates import template_environment
from .whatif_texts import cap_label, cap_text, run_title, signed


def whatif_text(comparison: Comparison) -> str:
    parts = [terminal_text(f"What if: {comparison.programme}, amounts in {comparison.currency}"),
             ""]
    for each in comparison.runs:
        parts.append(terminal_text(f"  {each.key:<9} {run_title(each)}"))
        if each.key != "Baseline":
            last = each.scenarios[-1]
            if last.description:
                parts.append(terminal_text(f"  {'':<9}   {last.description}"))
            parts += [terminal_text(f"  {'':<9}   - {change}") for change in last.changes()]
    header = [""]
    for each in comparison.runs:
        header += [each.key] if each.key == "Baseline" else [each.key, f"change {each.key}"]
    table: list[list[str]] = [["status", *_spread(comparison, [each.allocation.status
                                                               for each in comparison.runs])],
                              ["reconciliation", *_spread(comparison, [
                                  "OK" if each.reconciliation.ok else
                                  f"{each.reconciliation.count('error')} error(s)"
                                  for each in comparison.runs])]]
    for section, rows in comparison.sections():
        table.append([section, *([""] * (len(header) - 1))])
        for row in rows:
            cells = [display(row.values[0], blank="–")]
            for value, change in zip(row.values[1:], row.changes):
                cells += [display(value, blank="–"), signed(change)]
            table.append([f"  {row.label}", *cells])
    parts += ["", text_table(header, table, right=range(1, len(header)))]
    if comparison.caps:
        parts += ["", "Binding caps",
                  text_table(["cap", *(each.key for each in comparison.runs)],
                             [[cap_label(comparison, cap), *(cap_text(use) for use in cap.uses)]
                              for cap in comparison.caps])]
    for each in comparison.runs:
        if not each.optimal:
            parts += ["", f"{each.key}: the funding rules cannot all hold:"]
            parts += [terminal_text(f"  - {conflict}") for conflict in each.allocation.conflicts]
    return "\n".join(parts) + "\n"


def _spread(comparison: Comparison, texts: list[str]) -> list[str]:
    """One text per run, under each run's column (the change columns left empty)."""
    cells = [texts[0]]
    for text in texts[1:]:
        cells += [text, ""]
    return cells


def whatif_json(comparison: Comparison) -> dict[str, Any]:
    runs = []
    for number, each in enumerate(comparison.runs):
        def figures(pick: Any) -> dict[str, Any]:
            found: dict[str, Any] = {"periods": [], "programme": {}, "sources": []}
            for row in comparison.rows:
                value = pick(row)
                if row.measure == "allocated":
                    found["sources"].append({"source": row.source, "period": row.period,
                                             "allocated": money_text(value)})
                elif row.measure == "at_risk":
                    found.setdefault("decommitment", []).append({
                        "source": row.source, "year": None if row.period is None
                        else int(row.period), "at_risk": money_text(value)})
                elif row.period is None:
                    found["programme"][row.measure] = money_text(value)
                else:
                    entry = next((item for item in found["periods"]
                                  if item["period"] == row.period), None)
                    if entry is None:
                        entry = {"period": row.period}
                        found["periods"].append(entry)
                    entry[row.measure] = money_text(value)
            return found

        data: dict[str, Any] = {
            "key": each.key, "label": each.label,
            "scenarios": [{"name": s.name, "file": s.file, "illustrative": s.illustrative,
                           "description": s.description, "changes": list(s.changes())}
                          for s in each.scenarios],
            "status": each.allocation.status,
            "reconciliation": {"ok": each.reconciliation.ok,
                               "errors": each.reconciliation.count("error"),
                               "warnings": each.reconciliation.count("warning")},
            "conflicts": [conflict.message for conflict in each.allocation.conflicts],
            **figures(lambda row, n=number: row.values[n]),
            "binding_caps": [{"source": cap.source, "period": cap.period,
                              "cap": money_text(use.cap), "allocated": money_text(use.allocated),
                              "shadow_price": money_text(use.shadow_price)}
                             for cap in comparison.caps
                             for use in [cap.uses[number]] if use is not None and use.binding],
            "change": None if number == 0 else figures(lambda row, n=number: row.changes[n - 1]),
        }
        runs.append(data)
    return {"programme": comparison.programme, "currency": comparison.currency,
            "periods": list(comparison.periods),
            "sources": [source.id for source in comparison.sources], "runs": runs}


def comparison_chart(comparison: Comparison) -> str:
    """Stacked bars: each run's programme allocation by source, and its unfunded part."""
    runs = [each for each in comparison.runs if each.optimal]
    programme = {(row.measure, row.source): row for row in comparison.rows if row.period is None}
    index = {each.key: number for number, each in enumerate(comparison.runs)}
    series = [(source.name, [programme["allocated", source.id].values[index[each.key]] or ZERO
                             for each in runs]) for source in comparison.sources]
    unfunded = [programme["unfunded", None].values[index[each.key]] or ZERO for each in runs]
    return stacked_bars_svg([each.key for each in runs], series, unfunded,
                            title="Funding by source: baseline and scenarios",
                            currency=comparison.currency)


def render_whatif(comparison: Comparison, fmt: Literal["html", "markdown"],
                  date: DocumentDate | None = None) -> str:
    """The comparison as a self-contained HTML page or a Markdown document, dated `date` (by
    default the baseline plan's date, see `dates.document_date`)."""
    from markupsafe import Markup

    date = date or document_date(comparison.baseline.plan)
    if fmt == "html":
        template = template_environment(autoescape=True).get_template("whatif.html.j2")
        return template.render(comparison=comparison, date=date,
                               comparison_chart=Markup(comparison_chart(comparison)))
    return template_environment(autoescape=False).get_template("whatif.md.j2").render(
        comparison=comparison, date=date)
