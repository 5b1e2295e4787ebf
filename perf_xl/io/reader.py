"""Read settore workbooks: values with python-calamine, columns found by the schema's labels.

Reading never raises for bad data: a file that does not open, a missing sheet or
column, a number typed as text, each becomes a :class:`~perf_xl.model.Finding` with
file, sheet and A1 cell, and whatever could be read is returned. Files are opened
read-only; nothing is ever written back.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import io
import math
import os
import stat
import zipfile
import zlib
from pathlib import Path
from typing import Iterable

import python_calamine
from openpyxl.utils import get_column_letter

from ..findings import finding
from ..model import ERROR, INDICATOR_FIELDS, AreaInfo, ReadResult, Finding, IndicatorRow, SettoreWorkbook, Variation
from ..numbers import parse_italian_number
from ..schema import SheetLayout, WorkbookSchema, load_schema
from ..wording import as_read, number, os_reason
from .. import versions
from .formula_scan import canonical_sheet, error_cells, sheet_parts, sheet_xml

# what a folder may hold as a settore workbook: the formats perf_xl reads (.xlsx, .xlsm) and those a
# settore may have saved instead (.xls, .xlsb, LibreOffice's .ods), which are reported, never skipped
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")

# codes that mean "this workbook's indicators were not read" (the workbook counts as not used):
# every finding of these codes; foglio-mancante / foglio-illeggibile on the Indicatori sheet; a
# required column of it missing or renamed
FILE_NOT_READ_CODES = frozenset({
    "file-vuoto", "file-non-excel", "file-illeggibile", "file-protetto", "formato-xls", "formato-xlsb", "formato-ods",
    "file-non-accessibile", "file-in-scrittura", "file-sospetto", "intestazione-mancante",
    "versione-schema-successiva"})
SHEET_NOT_READ_CODES = frozenset({"foglio-mancante", "foglio-illeggibile"})
COLUMN_NOT_READ_CODES = frozenset({"colonna-mancante", "colonna-rinominata"})


def indicators_read(findings: Iterable[Finding], schema: WorkbookSchema) -> bool:
    """False when the reader's findings say the workbook's indicators were not read (so the workbook
    is missing from a total): the one rule, for the consolidation's *Relazione incompleta*."""
    sheet = schema.indicators.name
    required = {c.label for c in schema.indicators.columns if c.required}
    for f in findings:
        if f.severity != ERROR:
            continue
        if f.code in FILE_NOT_READ_CODES or (f.sheet == sheet and (
                f.code in SHEET_NOT_READ_CODES or (f.code in COLUMN_NOT_READ_CODES and f.column in required))):
            return False
    return True


def is_workbook_name(name: str) -> bool:
    """Whether a file of this name is a settore workbook to read or report (a spreadsheet format, not
    an Office lock file ``~$…`` nor a hidden one): one rule for finding workbooks in a folder."""
    return not name.startswith(("~$", ".")) and os.path.splitext(name)[1].lower() in WORKBOOK_SUFFIXES


def _cell(col0: int, row1: int) -> str:
    return f"{get_column_letter(col0 + 1)}{row1}"


class _Sink:
    def __init__(self, file: str):
        self.file = file
        self.findings: list[Finding] = []

    def add(self, sheet: str, cell: str, row: int | None, column: str, code: str, value: object = None,
            variant: str | None = None, **fields) -> None:
        self.findings.append(finding(code, file=self.file, sheet=sheet, cell=cell, row=row, column=column,
                                     value=value, variant=variant, **fields))


def _text(v) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def to_number(v) -> float | None:
    """The number a cell means, leniently (``"24,29"`` typed as text gives 24.29).

    Validation reports such cells; scoring still uses what the dirigente meant.
    Booleans, dates, other text and non-finite numbers (``NaN``, ``inf``) give None.
    """
    if v is None or v == "" or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        v = float(v)
        return v if math.isfinite(v) else None
    if isinstance(v, str):
        x = parse_italian_number(v)
        return x if x is None or math.isfinite(x) else None
    return None


def _header_map(grid: list[list], layout: SheetLayout, sink: _Sink) -> dict[str, int]:
    h = layout.header_row - 1
    header = [_text(v) for v in grid[h]] if len(grid) > h else []
    positions: dict[str, int] = {}
    for i, label in enumerate(header):
        if not label:
            continue
        first = positions.setdefault(label, i)
        if first != i and label in layout.labels:
            a, b = _cell(first, layout.header_row), _cell(i, layout.header_row)
            sink.add(layout.name, b, layout.header_row, label, "colonna-doppia", label, first=a,
                     first_letter=get_column_letter(first + 1), letter=get_column_letter(i + 1))
    found: dict[str, int] = {}
    for col in layout.columns:
        if col.label in positions:
            found[col.key] = positions[col.label]
            if positions[col.label] != col.position - 1:
                sink.add(layout.name, _cell(positions[col.label], layout.header_row), layout.header_row, col.label,
                         "colonna-spostata", col.label, found=get_column_letter(positions[col.label] + 1),
                         expected=col.letter)
        elif (col.required or col.computed) and not col.optional:  # an optional one came later
            there = header[col.position - 1] if col.position - 1 < len(header) else ""
            cell = _cell(col.position - 1, layout.header_row)
            if there and there not in layout.labels:
                sink.add(layout.name, cell, layout.header_row, col.label, "colonna-rinominata", there)
            else:
                sink.add(layout.name, cell, layout.header_row, col.label, "colonna-mancante")
    return found


def read_settore_workbook(path: str | Path, schema: WorkbookSchema | None = None) -> ReadResult:
    """Read one settore workbook into plain data and findings.

    The file is read once, into memory: the container checks, the values (calamine)
    and the Indicatori sheet's XML (for the formula check) all come from the same
    bytes, so a file being saved meanwhile is never seen half old, half new, and the
    disk is touched once.
    """
    schema = schema or load_schema()
    path = Path(path)
    sink = _Sink(str(path))
    result = ReadResult(None)
    data, problem = _snapshot(path)
    zf = None
    if problem is None:
        zf, problem = _open_zip(data)
    if problem:
        # a FIFO, a device or a socket named like a workbook is no settore's workbook: skipped with an avviso
        code, variant, fields = problem
        sink.add("", "", None, "", code, variant=variant, **fields)
        result.findings = sink.findings
        return result
    try:
        book = python_calamine.CalamineWorkbook.from_object(io.BytesIO(data))
    except Exception as exc:  # calamine raises several types for unreadable files
        sink.add("", "", None, "", "file-illeggibile", str(exc)[:200], error=type(exc).__name__)
        result.findings = sink.findings
        return result
    names = set(book.sheet_names)
    result.sheet_names = list(book.sheet_names)
    for code, sheet, variant, fields in _active_content(zf):
        sink.add(sheet, "", None, "", code, variant=variant, **fields)
    # a sheet renamed by a slip (``Indicatori ``, ``INDICATORI``) is read, with an avviso
    actual = {n: n for n in schema.sheet_names if n in names}
    by_key: dict[str, str] = {}
    for n in book.sheet_names:
        by_key.setdefault(as_read(n), n)  # `Indicatori `, `INDICATORI`: one sheet
    for n in schema.sheet_names:
        found = by_key.get(as_read(n))
        if n not in actual and found is not None and found not in schema.sheet_names:
            actual[n] = found
            sink.add(found, "", None, "", "foglio-rinominato", found, expected=n)
    for n in schema.optional_sheet_names:  # a sheet added later (Variazioni): read when there, never missed
        found = n if n in names else by_key.get(as_read(n))
        if found is not None:
            actual[n] = found
    used = set(actual.values())
    result.sheet_names += [n for n in actual if n not in names]
    known = (*schema.sheet_names, *schema.optional_sheet_names)
    for extra in [n for n in book.sheet_names if n not in known and n not in used]:
        sink.add(extra, "", None, "", "foglio-in-piu", extra)

    def grid(name: str) -> list[list] | None:
        if name not in actual:
            sink.add(name, "", None, "", "foglio-mancante")
            return None
        try:
            g = result.grids[name] = book.get_sheet_by_name(actual[name]).to_python(skip_empty_area=False)
            return g
        except Exception as exc:  # calamine raises its own types for damaged sheet data
            result.sheet_names = [n for n in result.sheet_names if n not in (name, actual[name])]
            sink.add(name, "", None, "", "foglio-illeggibile", str(exc)[:200], error=type(exc).__name__)
            return None

    info = _read_info(grid(schema.info.name), schema, sink)
    if not _version_known(info, schema, sink):  # a layout this perf_xl does not know: never misread
        result.workbook = SettoreWorkbook(info=info, areas=(), rows=(), path=str(path))
        result.findings = sink.findings
        return result
    areas = _read_areas(grid(schema.areas.name), schema, sink)
    rows = _read_indicators(grid(schema.indicators.name), schema, sink, str(path), result)
    if result.columns and zf is not None:
        xml = sheet_xml(zf, actual.get(schema.indicators.name, schema.indicators.name), data)
        result.indicators_xml = None if xml is None else canonical_sheet(xml, thorough=False)
        if result.indicators_xml is not None:
            _error_values(result, schema, sink)
    variations = None
    if schema.variations is not None and schema.variations.name in actual:
        variations = _read_variations(grid(schema.variations.name), schema, sink)
    result.workbook = SettoreWorkbook(info=info, areas=tuple(areas), rows=tuple(rows), path=str(path),
                                      variations=variations)
    if versions.compare(info.get("schema_version"), schema.version) == -1:
        result.upgraded_from = info["schema_version"]
        result.workbook = versions.upgrade(result.workbook, schema.version)
    result.findings = sink.findings
    return result


def _version_known(info: dict, schema: WorkbookSchema, sink: _Sink) -> bool:
    """Whether the Info sheet's schema version is one this perf_xl reads: the current one or an older
    one (upgraded, see :mod:`perf_xl.versions`). A newer or unreadable version is one error naming
    the Info cell, and the workbook is not read. A missing one is the Info check's (info-mancante)."""
    found = info.get("schema_version")
    if found in (None, ""):
        return True
    order = versions.compare(found, schema.version)
    if order is not None and order <= 0:
        return True
    cell, row = schema.info.cell("schema_version")
    sink.add(schema.info.name, cell, row, schema.info.field("schema_version").label, "versione-schema-successiva",
             found, variant=None if order == 1 else "illeggibile", name=Path(sink.file).name, current=schema.version)
    return False


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_FILE_BYTES = 256 * 1024 * 1024  # read into memory whole: a settore workbook is well under 1 MB
BIG_SHEET_BYTES = 8 * 1024 * 1024  # worth a warning
MAX_PART_BYTES = 48 * 1024 * 1024  # a settore sheet of thousands of indicators is a few MB of XML
MAX_RATIO = 400  # XML compresses 5-20x; hundreds of times means mostly empty, repeated content


class TooLarge(ValueError):
    """A file over the size worth reading into memory."""

    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


class NotRegularFile(ValueError):
    """Not a regular file (a FIFO, a device, a socket): never read, it could block or never end."""

    def __init__(self, mode: int):
        super().__init__(mode)
        self.mode = mode

    @property
    def kind(self) -> str:
        """What it is, in Italian."""
        if stat.S_ISFIFO(self.mode):
            return "una pipe con nome (FIFO)"
        if stat.S_ISSOCK(self.mode):
            return "un socket"
        if stat.S_ISCHR(self.mode) or stat.S_ISBLK(self.mode):
            return "un dispositivo"
        if stat.S_ISDIR(self.mode):
            return "una cartella"
        return "un file speciale"


def stable_bytes(path: Path, limit: int | None = MAX_FILE_BYTES) -> bytes | None:
    """The file's bytes read whole, or None when it changed while being read (someone is saving
    it): never half old, half new. OSError when it cannot be read; :class:`TooLarge` over ``limit``;
    :class:`NotRegularFile` for a FIFO, a device or a socket (checked on the open file, before
    reading: a FIFO would block, ``/dev/zero`` never ends). The one rule for this, used by every
    reader of workbooks (the nightly's included)."""
    # opened without blocking (a FIFO would wait for a writer) and checked on the open file
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        before = os.fstat(fd)
    finally:
        os.close(fd)
    if not stat.S_ISREG(before.st_mode):
        raise NotRegularFile(before.st_mode)
    if limit is not None and before.st_size > limit:
        raise TooLarge(before.st_size)
    data = path.read_bytes()
    after = path.stat()
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or len(data) != after.st_size:
        return None
    return data


# a finding's code, message variant and template fields (see perf_xl.findings)
Problem = tuple[str, "str | None", dict]


def read_problem(exc: TooLarge | NotRegularFile | OSError) -> Problem:
    """Why a file's bytes could not be had (:func:`stable_bytes` raised ``exc``): the reader's and the
    nightly's one rule."""
    if isinstance(exc, TooLarge):
        return "file-sospetto", None, {"mb": number(exc.size / (1024 * 1024), 0)}
    if isinstance(exc, NotRegularFile):
        return "file-non-regolare", None, {"kind": exc.kind}
    # why, in Italian (never the system's English text)
    variant = {13: "permessi", 1: "permessi", 16: "occupato"}.get(exc.errno or 0)
    return "file-non-accessibile", variant, {"reason": os_reason(exc)}


def unreadable_message(exc: OSError) -> str:
    """Why a file cannot be read, in Italian (never the system's English text)."""
    code, variant, fields = read_problem(exc)
    return finding(code, variant=variant, **fields).message


def _snapshot(path: Path) -> tuple[bytes, Problem | None]:
    """The file's bytes, or why they are not a workbook worth parsing (before any parser sees them)."""
    try:
        data = stable_bytes(path, MAX_FILE_BYTES)
    except (TooLarge, NotRegularFile, OSError) as exc:
        return b"", read_problem(exc)
    if data is None:
        return b"", ("file-in-scrittura", None, {})
    head = data[:8]
    if not head:
        return data, ("file-vuoto", None, {})
    if head == _OLE_MAGIC:
        if path.suffix.lower() == ".xls":
            return data, ("formato-xls", None, {})
        return data, ("file-protetto", None, {})
    if not head.startswith(b"PK"):
        return data, ("file-non-excel", None, {})
    if path.suffix.lower() == ".ods" or _is_ods(data):
        return data, ODS_PROBLEM
    if path.suffix.lower() == ".xlsb":
        return data, XLSB_PROBLEM
    return data, None


ODS_PROBLEM: Problem = ("formato-ods", None, {})
XLSB_PROBLEM: Problem = ("formato-xlsb", None, {})


def _is_ods(data: bytes) -> bool:
    """An OpenDocument spreadsheet (whatever its name): its first part is ``mimetype``, stored as is."""
    return data[30:38] == b"mimetype" and b"opendocument.spreadsheet" in data[38:140]


def _open_zip(data: bytes) -> tuple[zipfile.ZipFile | None, Problem | None]:
    """The workbook's zip, unless it would unpack to far more than it holds (a zip bomb, or a
    sheet of a million formatted empty rows): refused before parsing, in bounded time and memory.
    A zip that does not open gives None: calamine's own error becomes the finding."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return None, None
    names = set(zf.namelist())
    if "xl/workbook.bin" in names:
        return None, XLSB_PROBLEM
    if "xl/workbook.xml" not in names and "mimetype" in names and "content.xml" in names:
        return None, ODS_PROBLEM
    for info in zf.infolist():
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_PART_BYTES or (info.file_size > 4 * 1024 * 1024 and ratio > MAX_RATIO):
            return None, ("file-sospetto", "compressione", {"part": info.filename,
                                                             "mb": info.file_size // (1024 * 1024),
                                                             "ratio": f"{ratio:.0f}"})
    return zf, None


def _active_content(zf: zipfile.ZipFile | None) -> list[tuple[str, str, str | None, dict]]:
    """(code, sheet, message variant, fields) of what the dirigente should know about the file: a sheet far larger
    than its data, macros and links to other files (reported, never run or followed: values are
    read as saved)."""
    if zf is None:
        return []
    infos = zf.infolist()
    names = [i.filename for i in infos]
    found = []
    for info in infos:
        if info.filename.startswith("xl/worksheets/") and info.file_size > BIG_SHEET_BYTES:
            try:
                sheet = {part: name for name, part in sheet_parts(zf).items()}.get(info.filename, "")
            except (KeyError, OSError, ValueError, zipfile.BadZipFile, EOFError, zlib.error):
                sheet = ""
            found.append(("foglio-sovradimensionato", sheet, None if sheet else "senza-nome",
                          {"mb": info.file_size // (1024 * 1024)}))
            break
    vba = [n for n in names if n.lower().endswith("vbaproject.bin")]
    if vba and not _perf_xl_macros(zf, vba):
        found.append(("macro-presenti", "", None, {}))
    if any(n.lower().startswith("xl/externallinks/") for n in names):
        found.append(("collegamenti-esterni", "", None, {}))
    return found


def _perf_xl_macros(zf: zipfile.ZipFile, parts: list[str]) -> bool:
    """Every VBA project of the workbook is xlwings' code for perf_xl (the PERF_… wrappers, xlwings'
    standalone modules, the Consolida macro): what the README's UDF setup puts there, not to be removed."""
    from .vba import only_perf_xl_macros

    try:
        return all(only_perf_xl_macros(zf.read(part)) for part in parts)
    except (KeyError, OSError, ValueError, zipfile.BadZipFile, EOFError, zlib.error):
        return False


def _error_values(result: ReadResult, schema: WorkbookSchema, sink: _Sink) -> None:
    """Input cells holding an error value (``#N/A``, ``#REF!``, pasted or left by a formula typed
    over the template): python-calamine reads them as empty, the sheet's XML says what they hold.
    Each is one error, and the cell is not reported again as empty or missing."""
    layout = schema.indicators
    by_letter = {get_column_letter(result.columns[c.key] + 1): c for c in layout.columns
                 if not c.computed and c.key in result.columns}
    for letter, row, value in error_cells(result.indicators_xml):
        col = by_letter.get(letter)
        if col is None or row <= layout.header_row:
            continue
        cell = f"{letter}{row}"
        sink.add(layout.name, cell, row, col.label, "errore-in-cella", value)
        result.reported.add((sink.file, cell))


def _non_finite(sink: _Sink, result: ReadResult, layout: SheetLayout, key: str, col: int, row: int,
                value: float) -> None:
    """A cell holding NaN or an infinite number (as some programs other than Excel store them)."""
    label = layout.column(key).label
    cell = _cell(col, row)
    sink.add(layout.name, cell, row, label, "numero-non-finito", str(value), variant="nan" if value != value else None)
    result.reported.add((sink.file, cell))


def _read_info(g, schema: WorkbookSchema, sink: _Sink) -> dict:
    info: dict = {}
    if g is None:
        return info
    by_label = {f.label: f for f in schema.info.fields}
    for r in range(schema.info.header_row, len(g)):
        row = g[r]
        label = _text(row[0]) if row else ""
        if label in by_label and len(row) > 1:
            f = by_label[label]
            v = row[1]
            if f.type == "date" and (v is None or v == ""):
                continue  # not yet filled in: as if the row were not there (a workbook written before it)
            if f.type == "date" and isinstance(v, _dt.date):  # calamine gives a date cell as a date
                info[f.key] = v.date() if isinstance(v, _dt.datetime) else v
            else:
                info[f.key] = int(v) if f.type == "integer" and isinstance(v, float) and v.is_integer() else _text(v)
    return info


def _read_areas(g, schema: WorkbookSchema, sink: _Sink) -> list[AreaInfo]:
    layout = schema.areas
    if g is None:
        return []
    cols = _header_map(g, layout, sink) if len(g) >= layout.header_row else {}
    if not cols or "area" not in cols:
        return []
    out = []
    for r in range(layout.header_row, len(g)):
        row = g[r]
        get = lambda k: row[cols[k]] if k in cols and cols[k] < len(row) else ""  # noqa: E731
        name = _text(get("area"))
        if not name:
            continue
        number = to_number(get("number"))
        published = to_number(get("published_score"))
        out.append(AreaInfo(number=int(number) if number is not None else len(out) + 1, name=name,
                            published=published))
    return out


def _date_text(v) -> str:
    """A date cell as dd/mm/yyyy; anything else as typed (a date typed as text stays text)."""
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.strftime("%d/%m/%Y")
    return _text(v)


def _read_variations(g, schema: WorkbookSchema, sink: _Sink) -> tuple[Variation, ...]:
    """The register of changes (the Variazioni sheet): one entry per row with anything typed in it."""
    layout = schema.variations
    if g is None or len(g) < layout.header_row:
        return ()
    cols = _header_map(g, layout, sink)
    kinds = {as_read(label): kind for kind, label in schema.variation_fields.items()}
    out = []
    for r in range(layout.header_row, len(g)):
        row = g[r]
        get = lambda k: row[cols[k]] if k in cols and cols[k] < len(row) else ""  # noqa: E731
        if all(get(c.key) in ("", None) for c in layout.columns):
            continue
        value = lambda k: None if get(k) in ("", None) else (  # noqa: E731
            get(k) if isinstance(get(k), float) and math.isfinite(get(k)) else _text(get(k)))
        field = _text(get("field"))
        out.append(Variation(file=sink.file, row=r + 1, objective_code=_text(get("objective_code")),
                             indicator=_text(get("indicator")), kind=kinds.get(as_read(field), ""), field=field,
                             old=value("old"), new=value("new"), reason=_text(get("reason")),
                             description=_text(get("description")), requested_by=_text(get("requested_by")),
                             approved_with=_text(get("approved_with")), approved_on=_date_text(get("approved_on")),
                             opinion=_text(get("opinion"))))
    return tuple(out)


def _read_indicators(g, schema: WorkbookSchema, sink: _Sink, file: str, result: ReadResult) -> list[IndicatorRow]:
    layout = schema.indicators
    if g is None:
        return []
    if len(g) < layout.header_row:
        sink.add(layout.name, f"A{layout.header_row}", layout.header_row, "", "intestazione-mancante",
                 variant="foglio-vuoto")
        return []
    header = {_text(v) for v in g[layout.header_row - 1]}
    if not any(layout.column(k).label in header for k in ("indicator", "objective_code")):
        # one finding, not one per column: the header is elsewhere (rows inserted above) or gone
        labels = set(layout.labels)
        moved = next((r + 1 for r in range(layout.header_row, min(len(g), 30))
                      if len(labels & {_text(v) for v in g[r]}) >= 3), None)
        if moved:
            sink.add(layout.name, f"A{layout.header_row}", layout.header_row, "", "intestazione-mancante",
                     variant="spostata", found=moved)
        else:
            sink.add(layout.name, f"A{layout.header_row}", layout.header_row, "", "intestazione-mancante")
        return []
    cols = _header_map(g, layout, sink)
    result.columns = cols
    inputs = [c for c in layout.columns if not c.computed and c.key in cols]
    input_idx = [cols[c.key] for c in inputs]
    numeric = [(c.key, cols[c.key]) for c in inputs if c.type in ("number", "integer")]
    texts = [(c.key, cols[c.key]) for c in inputs if c.type not in ("number", "integer")]
    absent = {c.key: (None if c.type in ("number", "integer") else "")
              for c in layout.columns if not c.computed and c.key not in cols}
    # columns added to the schema with no IndicatorRow field: their values go in the row's ``extra``
    extra_keys = [c.key for c in layout.columns if not c.computed and c.key not in INDICATOR_FIELDS
                  and not c.checkpoint]
    for key in extra_keys:
        absent.pop(key, None)
    # a monitoring checkpoint's input columns (those the workbook has): their values go in ``checkpoints``
    checkpoint_cols = [c for c in layout.columns if c.checkpoint and not c.computed]
    for c in checkpoint_cols:
        absent.pop(c.key, None)
    checkpoint_cols = [(c.key, c.checkpoint, c.base) for c in checkpoint_cols if c.key in cols]
    width = max(input_idx) + 1
    # each row is built positionally: a copy of ``template`` (the fields' defaults, the absent columns'
    # blanks, where the rows come from) filled by slot; the columns that are no field of the row (a
    # checkpoint's, one added to the schema) take slots past the fields, moved out before the row is made
    slot = {name: n for n, name in enumerate(_ROW_FIELDS)}
    for key, _ in (*texts, *numeric):
        slot.setdefault(key, len(slot))
    template = [*_ROW_DEFAULTS, *[None] * (len(slot) - len(_ROW_FIELDS))]
    for key, blank in absent.items():
        template[slot[key]] = blank
    template[slot["file"]], template[slot["sheet"]] = file, layout.name
    text_slots = [(slot[key], i) for key, i in texts]
    number_slots = [(slot[key], key, i) for key, i in numeric]
    extra_slots = [(key, slot.get(key)) for key in extra_keys]
    checkpoint_slots = [(slot[key], day, base) for key, day, base in checkpoint_cols]
    n_fields, row_slot = len(_ROW_FIELDS), slot["row"]
    extra_slot, checkpoints_slot = slot["extra"], slot["checkpoints"]
    out = []
    raw_rows = result.raw_rows
    # the hot loop of every read: plain list indexing, no per-cell function calls on the common path
    for r in range(layout.header_row, len(g)):
        row = g[r]
        if len(row) < width:
            row = row + [""] * (width - len(row))
        for i in input_idx:
            if row[i] != "" and row[i] is not None:
                break
        else:
            continue
        excel_row = r + 1
        raw_rows.append((excel_row, row))
        values = template.copy()
        values[row_slot] = excel_row
        for n, i in text_slots:
            v = row[i]
            values[n] = v.strip() if v.__class__ is str else _text(v)
        for n, key, i in number_slots:
            v = row[i]
            if v.__class__ is float and v - v == 0.0:  # a finite number (NaN and inf fail this)
                values[n] = v
            elif v == "" or v is None:
                values[n] = None
            else:
                values[n] = to_number(v)
                if v.__class__ is float:
                    _non_finite(sink, result, layout, key, i, excel_row, v)
                    row[i] = ""  # a missing value for the cell checks, reported once here
        if extra_slots:
            values[extra_slot] = {key: None if n is None else values[n] for key, n in extra_slots}
        if checkpoint_slots:
            at: dict = {}
            for n, day, base in checkpoint_slots:
                at.setdefault(day, {})[base] = values[n]
            values[checkpoints_slot] = at
        del values[n_fields:]
        out.append(IndicatorRow(*values))
    return out


_ROW_FIELDS = tuple(f.name for f in dataclasses.fields(IndicatorRow))
_ROW_DEFAULTS = tuple(None if f.default is dataclasses.MISSING else f.default for f in dataclasses.fields(IndicatorRow))


def find_workbooks(folder: str | Path) -> list[Path]:
    """Settore workbooks in a folder (not recursive), skipping Office lock files (``~$…``) and hidden files.

    Anything named like a workbook that is not a folder is returned, regular file or not: the reader
    never opens a FIFO or a device, and reports it (``file-non-regolare``) instead of a silent skip.
    """
    folder = Path(folder)
    out = []
    with os.scandir(folder) as entries:
        for e in entries:
            if not is_workbook_name(e.name):
                continue
            try:
                if e.is_dir():
                    continue
            except OSError:
                pass
            out.append(Path(e.path))
    return sorted(out)
