"""Writing one cell value with xlsxwriter, safely.

The one place that decides how a Python value becomes a cell: numbers as numbers,
everything else as an explicit string cell, so that user text starting with ``=``,
``+``, ``-`` or ``@`` never becomes a live formula (formula injection).
"""

from __future__ import annotations


def write_value(ws, row0: int, col0: int, value, fmt=None) -> None:
    if value is None or value == "":
        ws.write_blank(row0, col0, None, fmt)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row0, col0, value, fmt)
    else:
        ws.write_string(row0, col0, str(value), fmt)
