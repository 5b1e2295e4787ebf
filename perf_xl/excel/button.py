"""The Consolida button's Python side: the only code here that needs a running Excel.

``Consolidatore.xlsm`` carries xlwings' own VBA module (from ``xlwings quickstart
--standalone``) with its one macro renamed ``Consolida``, which does
``RunPython "import Consolidatore; Consolidatore.main()"``. The generated
``Consolidatore.py`` beside the workbook imports :func:`main` from here. ``main`` reads
the Config sheet, calls :func:`perf_xl.excel.consolida.press` (tested without Excel),
and writes what it says into the Consolida sheet: the status line always, the new
result table only when the run succeeded (a failed run leaves the previous table).
xlwings Server's ``consolida`` script calls the same function with the server's root.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from .consolida import (CONFIG_FIELDS, CONFIG_SHEET, ERROR_PREFIX, RESULT_ANCHOR, RESULT_ROWS, RESULT_SHEET,
                        STATUS_CELL, Outcome, press)

TITLE = "Consolida"


def _clear_range(width: int) -> str:
    from openpyxl.utils.cell import coordinate_from_string, get_column_letter, column_index_from_string

    col, row = coordinate_from_string(RESULT_ANCHOR)
    last = get_column_letter(column_index_from_string(col) + width - 1)
    return f"{RESULT_ANCHOR}:{last}{row + RESULT_ROWS}"


def _config_pairs(book):
    try:
        return book.sheets[CONFIG_SHEET].range(f"A2:B{len(CONFIG_FIELDS) + 1}").value
    except Exception:  # noqa: BLE001 - xlwings raises its own errors for a missing sheet
        return None


def _alert(book, message: str) -> None:
    """A message box where xlwings has one (desktop Excel, and Office.js through xlwings Server)."""
    with contextlib.suppress(Exception):
        book.app.alert(message, title=TITLE, buttons="ok", mode="critical")


def show(book, outcome: Outcome) -> None:
    """Write ``outcome`` into the Consolida sheet: the new table replaces the old one only on success."""
    target = book.sheets[RESULT_SHEET]
    if not outcome.failed:
        target.range(_clear_range(max(len(r) for r in outcome.rows))).clear_contents()
        target.range(RESULT_ANCHOR).value = outcome.rows
    target.range(STATUS_CELL).value = outcome.status
    if outcome.failed:
        _alert(book, outcome.status.removeprefix(ERROR_PREFIX).strip())


def main(book=None, root: str | Path | None = None) -> None:
    """Entry point of the Consolida button (``book`` is ``xw.Book.caller()`` in Excel). Paths in the
    Config are relative to the control workbook; with ``root`` (xlwings Server) to that folder, and
    never outside it."""
    if book is None:  # pragma: no cover - needs Excel
        import xlwings as xw

        book = xw.Book.caller()
    pairs = _config_pairs(book)
    if pairs is None:
        outcome = Outcome(f"{ERROR_PREFIX} manca il foglio «{CONFIG_SHEET}» con la cartella delle cartelle di lavoro: "
                          "usare la cartella di lavoro di controllo creata da perf-xl make-consolidatore.")
    else:
        outcome = press(pairs, root if root is not None else Path(book.fullname).parent, root)
    show(book, outcome)
