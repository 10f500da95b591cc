"""The templates' jinja2 environment and filters, shared by the report and the what-if views."""

from __future__ import annotations

from typing import Any

from ..core.files import shown_path
from ..core.model import mark
from ..core.money import display
from ..core.shipped import PACKAGE, package_folder, shipped_folder
from .phasing import deadline_table, deadline_title, programme_table, sources_table
from .render import markdown_text, where
from .whatif_texts import cap_label, cap_text, run_title, signed, status_text


def template_loader() -> Any:
    """The shipped templates: a package loader in an installed package, the checkout's
    top-level `templates/` otherwise (see `core.shipped`)."""
    import jinja2

    inside = package_folder("templates")
    if inside is not None:
        return jinja2.PackageLoader(PACKAGE, inside)
    return jinja2.FileSystemLoader(shipped_folder("templates"))


class Markdown(str):
    """Markdown a template made itself (a macro's table), which `finalize` shows as it is."""


def _shown(value: Any) -> str:
    """A value in a Markdown template: plan text escaped (`markdown_text`), a template's own
    Markdown as it is."""
    return value if isinstance(value, Markdown) else markdown_text(value)


def template_environment(autoescape: bool) -> Any:
    """The environment of the shipped templates (`templates/`); an undefined name is an error,
    not an empty string. HTML: every value is escaped by jinja2's autoescape. Markdown has no
    such switch: `finalize` passes every value a template shows through `markdown_text`."""
    import jinja2

    environment = jinja2.Environment(
        loader=template_loader(), autoescape=autoescape,
        finalize=None if autoescape else _shown,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)
    environment.filters["money"] = lambda amount, blank="": display(amount, blank)
    environment.filters["markdown"] = Markdown
    environment.globals["mark"] = mark
    environment.filters["signed"] = signed
    environment.filters["shown_path"] = shown_path
    environment.globals.update(cap_label=cap_label, cap_text=cap_text, run_title=run_title,
                               status_text=status_text, programme_table=programme_table,
                               sources_table=sources_table, deadline_table=deadline_table,
                               deadline_title=deadline_title, zip=zip)
    environment.filters["where"] = where
    return environment
