"""The templates' jinja2 environment and filters, shared by the report and the what-if views."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.files import shown_path
from ..core.model import mark
from ..core.money import display
from .phasing import deadline_table, deadline_title, programme_table, sources_table
from .render import where
from .whatif_texts import cap_text, run_title, signed, status_text

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def template_environment(autoescape: bool) -> Any:
    """The environment of the templates in `templates/`: autoescaped for HTML, not for
    Markdown; an undefined name is an error, not an empty string."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=autoescape,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)
    environment.filters["money"] = lambda amount, blank="": display(amount, blank)
    environment.filters["cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    environment.globals["mark"] = mark
    environment.filters["signed"] = signed
    environment.filters["shown_path"] = shown_path
    environment.globals.update(cap_text=cap_text, run_title=run_title, status_text=status_text,
                               programme_table=programme_table, sources_table=sources_table,
                               deadline_table=deadline_table, deadline_title=deadline_title,
                               zip=zip)
    environment.filters["where"] = where
    return environment
