"""How wide text is in a workbook cell, so that columns fit their headers and wrapped rows are
as tall as their text, with no clipped word and no blank line.

Spreadsheet clients size neither on load: a row keeps its stored height and a column its stored
width. The workbook is set in Verdana; where Verdana is missing (LibreOffice on Linux) it is
shown in DejaVu Sans, whose letters are as wide or a little wider, and whose widths are those
below. Column widths are counted in digits of the workbook's default font (Verdana 9 pt: about
7.6 pixels at 96 dpi in either client).
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata

#: The workbook's font: every cell uses it, and it is the default font column widths count in.
FONT_NAME, FONT_SIZE = "Verdana", 9
#: Advance widths of DejaVu Sans, regular and bold, of the characters 32 to 126 (units per em:
#: 2048).
_REGULAR = (
    651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303,
    1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048,
    1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235,
    1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024, 1024,
    1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298, 1253, 1300,
    1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716)
_BOLD = (
    713, 934, 1067, 1716, 1425, 2052, 1786, 627, 936, 936, 1071, 1716, 778, 850, 778, 748, 1425,
    1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 819, 819, 1716, 1716, 1716, 1188, 2048,
    1585, 1561, 1503, 1700, 1399, 1399, 1681, 1714, 762, 762, 1587, 1305, 2038, 1714, 1741, 1501,
    1741, 1577, 1475, 1397, 1663, 1585, 2259, 1579, 1483, 1485, 936, 748, 936, 1716, 1024, 1024,
    1382, 1466, 1214, 1466, 1389, 891, 1466, 1458, 702, 702, 1362, 702, 2134, 1458, 1407, 1466,
    1466, 1010, 1219, 979, 1458, 1335, 1892, 1321, 1335, 1192, 1458, 748, 1458, 1716)
#: Characters outside ASCII that workbooks show often (regular, bold).
_OTHER = {"€": (1303, 1425), "–": (1024, 1024), "—": (2048, 2048), "’": (651, 778),
          "‘": (651, 778), "“": (1061, 1346), "”": (1061, 1346), "…": (2048, 2048),
          "×": (1716, 1716), "·": (651, 778), "\u00a0": (651, 713)}
#: Anything else (CJK, symbols) is counted as wide as an em: wider than most, never clipped.
_WIDE = 2048
_EM = 2048
#: Pixels a column width unit is (a digit of the default font) and a cell's inner margins.
UNIT_PX = 1303 / _EM * FONT_SIZE * 96 / 72
#: XlsxWriter stores a width of w as w + 5/8 digits (the cell padding of the default font).
STORED_PADDING = 0.625
CELL_MARGIN_PX = 6.0
#: Points one line of wrapped text takes, and what a row adds around its lines.
LINE_PT, ROW_PADDING_PT = 11.25, 3.0
#: The height of a row with one line of text.
ROW_PT = 15.0


def _advance(char: str, bold: bool) -> int:
    code = ord(char)
    if 32 <= code < 127:
        return (_BOLD if bold else _REGULAR)[code - 32]
    if char in _OTHER:
        return _OTHER[char][bold]
    base = unicodedata.normalize("NFD", char)[0]  # é is as wide as e
    if base != char and 32 <= ord(base) < 127:
        return (_BOLD if bold else _REGULAR)[ord(base) - 32]
    return _WIDE


@functools.lru_cache(maxsize=65_536)
def text_px(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    """The width of one line of `text` in pixels at 96 dpi."""
    return sum(_advance(char, bold) for char in text) / _EM * size * 96 / 72


def column_px(width: float) -> float:
    """The pixels inside a column of `width` (as given to `set_column`), margins taken off."""
    return (width + STORED_PADDING) * UNIT_PX - CELL_MARGIN_PX


def width_for(px: float) -> float:
    """The least column width (to the quarter) that shows `px` pixels of text on one line."""
    return math.ceil(((px + CELL_MARGIN_PX) / UNIT_PX - STORED_PADDING) * 4) / 4


def wrapped(text: str, width: float, size: float = FONT_SIZE, bold: bool = False) -> list[str]:
    """`text` broken into lines as a client wraps it in a column of `width`: after a space or
    a hyphen; a word longer than the column stays on a line of its own (the client cuts it)."""
    room = column_px(width)
    space = text_px(" ", size, bold)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for word in paragraph.split(" "):
            for number, piece in enumerate(_HYPHENATED.findall(word) or [""]):
                joiner = " " if number == 0 and line else ""
                wide = text_px(piece, size, bold) + (space if joiner else 0.0)
                if line and used + wide > room:
                    lines.append(line)
                    line, used = piece, text_px(piece, size, bold)
                else:
                    line, used = f"{line}{joiner}{piece}", used + wide
        lines.append(line)
    return lines


#: The pieces of a word a line may break after: each ends with its hyphens, or the word does.
_HYPHENATED = re.compile(r"[^-]*-+|[^-]+")


def line_count(text: str, width: float, size: float = FONT_SIZE, bold: bool = False) -> int:
    return len(wrapped(text, width, size, bold))


def row_height(lines: int, size: float = FONT_SIZE) -> float:
    """The height in points of a row showing `lines` lines of text."""
    if lines <= 1 and size <= FONT_SIZE:
        return ROW_PT
    return round(lines * LINE_PT * size / FONT_SIZE + ROW_PADDING_PT, 2)


def widest_word_px(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    return max((text_px(word, size, bold) for word in text.split()), default=0.0)
