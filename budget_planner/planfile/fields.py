"""Reading the fields of TOML tables: what plans, funding rules and scenarios share."""

from __future__ import annotations

import difflib


def suggest(key: str, allowed: tuple[str, ...] | list[str]) -> str:
    """The 'did you mean' part of a message, or nothing."""
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
