"""Measuring documents as a reader sees them, independently of the code that wrote them: text
widths from the font file itself (matplotlib's DejaVu Sans, the font LibreOffice and Chromium
show here), column widths and row heights as a spreadsheet client turns them into pixels,
line wrapping, and colour differences (CIE ΔE 1976 in Lab)."""

from __future__ import annotations

import functools
import math
import re
import zipfile
from pathlib import Path
from typing import Any

#: Pixels of a point at 96 dpi.
PX_PER_PT = 96 / 72
#: What a client keeps clear inside a cell, both sides together, in pixels.
CELL_MARGINS_PX = 4.0


@functools.lru_cache(maxsize=2)
def _font(bold: bool) -> Any:
    import matplotlib
    from matplotlib import ft2font

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ft2font.FT2Font(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name))


@functools.lru_cache(maxsize=4096)
def advance_units(char: str, bold: bool) -> int:
    from matplotlib import ft2font

    flags = getattr(ft2font, "LoadFlags", None)
    no_scale = flags.NO_SCALE if flags is not None else ft2font.LOAD_NO_SCALE
    return int(_font(bold).load_char(ord(char), flags=no_scale).horiAdvance)


def text_px(text: str, size_pt: float, bold: bool = False) -> float:
    """The width of `text` set in DejaVu Sans at `size_pt`, in pixels."""
    units = _font(bold).units_per_EM
    return sum(advance_units(char, bold) for char in text) / units * size_pt * PX_PER_PT


def line_px(size_pt: float) -> float:
    """The height of one line of DejaVu Sans at `size_pt` (ascent plus descent), in pixels."""
    font = _font(False)
    return (font.ascender - font.descender) / font.units_per_EM * size_pt * PX_PER_PT


def wrap(text: str, room_px: float, size_pt: float, bold: bool) -> list[str]:
    """Greedy wrapping after spaces and hyphens, as spreadsheet clients wrap a cell."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for piece in re.findall(r"\S*?-(?=\S)|\S+\s*|\s+", paragraph):
            trial = line + piece
            if line and text_px(trial.rstrip(), size_pt, bold) > room_px:
                lines.append(line.rstrip())
                line = piece.lstrip()
            else:
                line = trial
        lines.append(line.rstrip())
    return lines


def default_font_size(path: Path) -> float:
    """The size of the workbook's default font (the first font of its styles)."""
    with zipfile.ZipFile(path) as archive:
        styles = archive.read("xl/styles.xml").decode("utf-8")
    return float(re.search(r"<font>.*?<sz val=\"([\d.]+)\"", styles, re.S).group(1))


def column_px(ws: Any, column: int, digit_px: float) -> float:
    """A column's width in pixels: its stored width in digits of the default font (a stored
    width may cover several columns, from `min` to `max`)."""
    width = next((dimension.width for dimension in ws.column_dimensions.values()
                  if dimension.min and dimension.min <= column <= (dimension.max or dimension.min)
                  and dimension.width), 8.43)
    return width * digit_px


def row_px(ws: Any, row: int) -> float:
    height = ws.row_dimensions[row].ht if row in ws.row_dimensions else None
    return (height or ws.sheet_format.defaultRowHeight or 15) * PX_PER_PT


def lab(colour: str) -> tuple[float, float, float]:
    """An sRGB colour (#RRGGBB) in CIE Lab (D65)."""
    rgb = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    r, g, b = linear
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(first: str, second: str) -> float:
    """How far apart two colours look (CIE76): about 2.3 is the least a person notices."""
    return math.dist(lab(first), lab(second))
