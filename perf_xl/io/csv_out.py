"""The one CSV writer: every CSV perf_xl writes goes through :func:`write_csv` or :func:`append_csv`.

Why these rules. The CSVs are for the comune's office, who open them in Excel with Italian
settings and filter them; and some cells hold text that a dirigente typed (notes, names,
formulas kept as text), which must never become a live formula or a DDE link when the file
is opened (formula or "CSV injection", OWASP; CWE-1236).

* ``EXCEL_IT`` (findings, area scores): ``;`` between fields, because Italian Excel uses
  the comma as decimal separator and splits a double-clicked CSV at ``;``; UTF-8 **with BOM**
  (``utf-8-sig``), without which Excel reads UTF-8 as the ANSI code page and turns ``Gravità``
  into ``GravitÃ``; CRLF line ends (RFC 4180, what Excel itself writes; Python's ``csv`` reads
  them back, and a multi-line message inside a quoted field keeps its own ``\\n``);
  numbers with a decimal comma and no thousands dots (``-0,36``, ``1082072``: Italian Excel
  reads them as numbers, other programs need not strip the dots), every digit the value has.
* ``HISTORY`` (the nightly's ``history.csv``): ``,``, plain UTF-8, ``\\n``, decimal point, as
  it always was. It is a log of counts (no user text, no decimals) that IT's scripts read and
  that every run appends to: changing its dialect would mix two formats in the files that
  already exist, for no gain to anyone opening it in Excel.
* ``OPEN_DATA`` (the open data of ``io/open_data.py``): the open-data convention that data portals,
  Frictionless, pandas and R expect (RFC 4180 and the Data Package's default CSV dialect): ``,``,
  decimal point, no thousands separator, CRLF, UTF-8 **without** BOM (a BOM is not part of the
  convention: R's ``read.csv`` and many scripts keep it in the first header, ``\ufeffanno``; the
  office's Excel has its own CSV, ``EXCEL_IT``). Booleans and dates are the caller's text
  (``true``/``false``, ISO 8601).

**Injection-safe text** (every format). A text cell whose first character is ``=``, ``+``,
``-``, ``@``, tab, CR, LF or NUL, or whose first character after leading whitespace is one
of ``= + - @``, gets a single quote ``'`` in front, so Excel and LibreOffice show it as text
(OWASP's CSV Injection guidance; the whitespace case because Google Sheets and a "trim
spaces" import strip it before deciding). The quote is visible in the cell: it says "this
was text". Real numbers (``int``/``float``, not ``bool``) are written as numbers and never
prefixed: ``-0,36`` is a number, not a formula. Quoting of ``;``, ``"`` and line breaks is the
``csv`` module's, so a field cannot start a new cell either.

The open data keep the prefix too, though machines read them: they are published for anyone to
download, and a citizen who opens a CSV from the comune's portal in Excel (in English, where ``,``
splits the cells) must not run a formula typed into a workbook. The cost is small and visible: only
a text that begins with ``= + - @`` (none in the shipped 2022 data) reads with a ``'`` in front,
which a script can strip; numbers are never touched.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ..numbers import format_italian
from .atomic import atomic_path

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
_TRIGGERS_AFTER_SPACE = ("=", "+", "-", "@")


@dataclass(frozen=True)
class CsvFormat:
    delimiter: str
    encoding: str
    lineterminator: str
    decimal: str


EXCEL_IT = CsvFormat(delimiter=";", encoding="utf-8-sig", lineterminator="\r\n", decimal=",")
HISTORY = CsvFormat(delimiter=",", encoding="utf-8", lineterminator="\n", decimal=".")
OPEN_DATA = CsvFormat(delimiter=",", encoding="utf-8", lineterminator="\r\n", decimal=".")


def csv_cell(value, decimal: str = ",") -> str:
    """How one value is written: empty, a number, or text that cannot become a formula."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            return ""
        text = format_italian(value, decimals=None, grouping=False)
        return text if decimal == "," else text.replace(",", decimal)
    text = str(value)
    if text.startswith(_TRIGGERS) or text.lstrip().startswith(_TRIGGERS_AFTER_SPACE):
        return "'" + text
    return text


def _write_rows(fh, header: Sequence[str] | None, rows: Iterable[Sequence], fmt: CsvFormat) -> None:
    """The header (unless None) and the rows, every value through :func:`csv_cell`."""
    w = csv.writer(fh, delimiter=fmt.delimiter, lineterminator=fmt.lineterminator, quoting=csv.QUOTE_MINIMAL)
    if header is not None:
        w.writerow([csv_cell(h, fmt.decimal) for h in header])
    for row in rows:
        w.writerow([csv_cell(v, fmt.decimal) for v in row])


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence], fmt: CsvFormat = EXCEL_IT) -> Path:
    """Write a header and rows atomically; rows are streamed, never held whole."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w", encoding=fmt.encoding, newline="") as fh:
        _write_rows(fh, header, rows, fmt)
    return path


def append_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence], fmt: CsvFormat = HISTORY) -> Path:
    """Add rows to a CSV (the header only to a new or empty file), atomically: the whole file is
    rewritten beside it and renamed, so a failed append leaves the previous file as it was."""
    path = Path(path)
    previous = ""
    if path.exists():
        with open(path, encoding=fmt.encoding, newline="") as fh:  # line ends kept as they are
            previous = fh.read()
    if previous and not previous.endswith("\n"):
        previous += fmt.lineterminator  # a last line cut short by an earlier crash stays on its own
    with atomic_path(path) as tmp, open(tmp, "w", encoding=fmt.encoding, newline="") as fh:
        fh.write(previous)
        _write_rows(fh, None if previous else header, rows, fmt)
    return path
