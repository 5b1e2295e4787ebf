"""The Consolida button's Python side: the only code here that needs a running Excel.

``Consolidatore.xlsm`` carries xlwings' own VBA module (from ``xlwings quickstart
--standalone``); its button runs the macro ``SampleCall``, which does
``RunPython "import Consolidatore; Consolidatore.main()"``. The generated
``Consolidatore.py`` beside the workbook imports :func:`main` from here. ``main`` reads
the Config sheet, calls :func:`perf_xl.excel.consolida.run_consolida` (tested without
Excel) and writes the result table back into the Consolida sheet.
"""

from __future__ import annotations

from pathlib import Path

from .consolida import CONFIG_FIELDS, CONFIG_SHEET, RESULT_ANCHOR, RESULT_SHEET, ConfigError, parse_config, \
    result_rows, run_consolida


def main(book=None) -> None:
    """Entry point of the Consolida button (``book`` is ``xw.Book.caller()`` in Excel)."""
    if book is None:  # pragma: no cover - needs Excel
        import xlwings as xw

        book = xw.Book.caller()
    pairs = book.sheets[CONFIG_SHEET].range(f"A2:B{len(CONFIG_FIELDS) + 1}").value
    target = book.sheets[RESULT_SHEET]
    target.range(f"{RESULT_ANCHOR}:H2000").clear_contents()
    try:
        result = run_consolida(parse_config(pairs), Path(book.fullname).parent)
    except ConfigError as exc:
        target.range(RESULT_ANCHOR).value = [[f"Errore: {exc}"]]
        return
    target.range(RESULT_ANCHOR).value = result_rows(result)
