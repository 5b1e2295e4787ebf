"""How the sheets perf_xl writes print: A4, fitted to the page's width, header rows repeated,
the document's title and "Pagina N di M" in the footer, and rows tall enough for their wrapped text.

Excel fits a row's height to wrapped text only when the row is edited, and LibreOffice does not on
opening a file written without heights: a long message then prints over the rows below it. So
each writer gives :func:`fit_row` the texts of a row and their column widths, and the row gets the
height of its tallest cell. The page settings come from ``[print]`` of ``summary.toml``.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable

from ..schema import load_print

PAPER = {"A4": 9, "A3": 8}  # xlsxwriter's paper codes
# Excel's tallest row, in points; a cell with more text than that shows its start on screen and in
# print (the whole text stays in the cell, and in the PDF of the Relazione)
MAX_ROW_HEIGHT = 409
_CM_PER_INCH = 2.54


def lines_needed(text: str, width: float) -> int:
    """Lines a text takes in a wrapped cell ``width`` characters wide (Excel's column unit, the width
    of a digit): each paragraph wrapped at spaces. Text averages a little narrower than digits (about
    1.15 characters to the unit in Calibri and its metric twin Carlito); one character of margin."""
    chars = max(1, int(width * 1.15) - 1)
    if _wide(text):
        chars = max(1, int(chars / 1.35))
    return sum(max(1, len(textwrap.wrap(part, chars, break_long_words=True))) for part in str(text).split("\n"))


def _wide(text: str) -> bool:
    """Mostly capitals (an area's name as published): about a third wider than lower-case text."""
    letters = [ch for ch in str(text) if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) > len(letters) / 2


def fit_row(ws, row: int, cells: Iterable[tuple[object, float]], scale: float = 1.0) -> None:
    """Give ``row`` the height of its tallest wrapped cell (``cells``: (value, column width));
    a row of one line keeps the default height. ``scale`` for a larger font than the body's."""
    page = load_print()
    lines = max((lines_needed(v, w) for v, w in cells if isinstance(v, str) and v), default=1)
    if lines > 1 or scale != 1.0:
        ws.set_row(row, min(MAX_ROW_HEIGHT, math.ceil(lines * page["line_height"] * scale)))


def set_page(ws, *, title: str, landscape: bool, header_row: int | None = None, pages_wide: int = 1) -> None:
    """A4 (or the paper of ``[print]``), the orientation, fitted to one page wide, the header row
    (0-based) repeated on every page, margins, and the footer with ``title`` and the page number."""
    page = load_print()
    ws.set_paper(PAPER.get(page["paper"], 9))
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(pages_wide, 0)  # one page wide (or pages_wide), as many tall as needed
    m = page["margins_cm"]
    ws.set_margins(left=m["left"] / _CM_PER_INCH, right=m["right"] / _CM_PER_INCH,
                   top=m["top"] / _CM_PER_INCH, bottom=m["bottom"] / _CM_PER_INCH)
    if header_row is not None:
        ws.repeat_rows(header_row)
    safe_title = title.replace("&", "&&")  # & starts a code in Excel's header and footer language
    ws.set_footer("&L" + page["footer_left"].format(title=safe_title) + "&R" + page["footer_right"])
