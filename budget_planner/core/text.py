"""Plan text on a terminal: shown, never acted on.

Names, activities and notes come from files other people wrote. A terminal acts on some
characters instead of showing them: ESC starts a control sequence (colours, cursor moves, a
window title, a hyperlink), BEL rings, CR and the line separators start a new line (one
message would print as two, the second forged), and the bidirectional controls reorder what
is shown. Every text view and every message passes plan text through `terminal_text`.
"""

from __future__ import annotations

import re

#: C0 and C1 controls (tab, newline and carriage return among them), DEL, the line and
#: paragraph separators, and the bidirectional marks, embeddings, overrides and isolates.
_ACTED_ON = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def terminal_text(text: str) -> str:
    """`text` with every character a terminal would act on written as its escape (`\\x1b`,
    `\\n`, `\\u202e`), so that it shows as one line of plain characters."""
    if text.isprintable():  # the usual case, checked in C: nothing to escape
        return text
    return _ACTED_ON.sub(lambda found: ascii(found.group())[1:-1], text)
