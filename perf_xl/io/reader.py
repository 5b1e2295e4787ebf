"""Read settore workbooks: values with python-calamine, columns found by the schema's labels.

Reading never raises for bad data: a file that does not open, a missing sheet or
column, a number typed as text, each becomes a :class:`~perf_xl.model.Finding` with
file, sheet and A1 cell, and whatever could be read is returned. Files are opened
read-only; nothing is ever written back.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine
from openpyxl.utils import get_column_letter

from ..model import ERROR, WARNING, AreaInfo, Finding, IndicatorRow, SettoreWorkbook
from ..numbers import parse_italian_number
from ..schema import SheetLayout, WorkbookSchema, load_schema
from .formula_scan import sheet_parts, sheet_xml

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


@dataclass
class ReadResult:
    """What one workbook holds: typed data for scoring, raw cells for validation, structure findings."""

    workbook: SettoreWorkbook | None
    findings: list[Finding] = field(default_factory=list)
    # raw cell values of the Indicatori sheet's data rows: (excel row, the sheet row as read);
    # ``columns`` says where each key is
    raw_rows: list[tuple[int, list]] = field(default_factory=list)
    # column key -> 0-based column index where the header was found
    columns: dict[str, int] = field(default_factory=dict)
    sheet_names: list[str] = field(default_factory=list)
    # the Indicatori sheet's XML, from the same bytes as the values (for the formula check);
    # None when the sheet was not read or its XML does not unpack
    indicators_xml: bytes | None = None


def _cell(col0: int, row1: int) -> str:
    return f"{get_column_letter(col0 + 1)}{row1}"


class _Sink:
    def __init__(self, file: str):
        self.file = file
        self.findings: list[Finding] = []

    def add(self, sheet: str, cell: str, row: int | None, column: str, code: str, message: str,
            value: object = None, severity: str = ERROR) -> None:
        self.findings.append(Finding(self.file, sheet, cell, row, column, code, severity, message, value))


def _text(v) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def to_number(v) -> float | None:
    """The number a cell means, leniently (``"24,29"`` typed as text gives 24.29).

    Validation reports such cells; scoring still uses what the dirigente meant.
    Booleans, dates and other text give None.
    """
    if v is None or v == "" or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        return parse_italian_number(v)
    return None


def _header_map(grid: list[list], layout: SheetLayout, sink: _Sink) -> dict[str, int]:
    h = layout.header_row - 1
    header = [_text(v) for v in grid[h]] if len(grid) > h else []
    positions = {label: i for i, label in enumerate(header) if label}
    found: dict[str, int] = {}
    for col in layout.columns:
        if col.label in positions:
            found[col.key] = positions[col.label]
            if positions[col.label] != col.position - 1:
                sink.add(layout.name, _cell(positions[col.label], layout.header_row), layout.header_row, col.label,
                         "colonna-spostata",
                         f"La colonna «{col.label}» è in {get_column_letter(positions[col.label] + 1)} invece che in "
                         f"{col.letter}: letta comunque per intestazione; ripristinare l'ordine del modello.",
                         col.label, severity=WARNING)
        elif col.required or col.computed:
            there = header[col.position - 1] if col.position - 1 < len(header) else ""
            cell = _cell(col.position - 1, layout.header_row)
            if there and there not in layout.labels:
                sink.add(layout.name, cell, layout.header_row, col.label, "colonna-rinominata",
                         f"L'intestazione in {cell} è «{there}» invece di «{col.label}»: ripristinare il nome "
                         "del modello (la colonna non è stata letta).", there)
            else:
                sink.add(layout.name, cell, layout.header_row, col.label, "colonna-mancante",
                         f"Manca la colonna «{col.label}» (attesa in {cell}): ripristinarla dal modello.")
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
        sink.add("", "", None, "", problem[0], problem[1])
        result.findings = sink.findings
        return result
    try:
        book = python_calamine.CalamineWorkbook.from_object(io.BytesIO(data))
    except Exception as exc:  # calamine raises several types for unreadable files
        sink.add("", "", None, "", "file-illeggibile",
                 f"Il file non si apre come cartella di lavoro Excel (.xlsx/.xlsm): {type(exc).__name__}. "
                 "Aprirlo in Excel e salvarlo di nuovo come .xlsx.", str(exc)[:200])
        result.findings = sink.findings
        return result
    names = set(book.sheet_names)
    result.sheet_names = list(book.sheet_names)
    for code, sheet, message in _active_content(zf):
        sink.add(sheet, "", None, "", code, message, severity=WARNING)
    for extra in [n for n in book.sheet_names if n not in schema.sheet_names]:
        sink.add(extra, "", None, "", "foglio-in-piu",
                 f"Il foglio «{extra}» non fa parte del modello: non viene letto (spostare i dati nei fogli previsti).",
                 extra, severity=WARNING)

    def grid(name: str) -> list[list] | None:
        if name not in names:
            sink.add(name, "", None, "", "foglio-mancante", f"Manca il foglio «{name}» previsto dal modello.")
            return None
        try:
            return book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:  # calamine raises its own types for damaged sheet data
            sink.add(name, "", None, "", "foglio-illeggibile",
                     f"Il foglio «{name}» è danneggiato e non si legge ({type(exc).__name__}): aprire il file in "
                     "Excel, che di solito lo ripara, e salvarlo di nuovo.", str(exc)[:200])
            return None

    info = _read_info(grid(schema.info.name), schema, sink)
    areas = _read_areas(grid(schema.areas.name), schema, sink)
    rows = _read_indicators(grid(schema.indicators.name), schema, sink, str(path), result)
    if result.columns and zf is not None:
        result.indicators_xml = sheet_xml(zf, schema.indicators.name, data)
    result.workbook = SettoreWorkbook(info=info, areas=tuple(areas), rows=tuple(rows), path=str(path))
    result.findings = sink.findings
    return result


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


def stable_bytes(path: Path, limit: int | None = None) -> bytes | None:
    """The file's bytes read whole, or None when it changed while being read (someone is saving
    it): never half old, half new. OSError when it cannot be read; :class:`TooLarge` over ``limit``.
    The one rule for this, used by every reader of workbooks (the nightly's included)."""
    before = path.stat()
    if limit is not None and before.st_size > limit:
        raise TooLarge(before.st_size)
    data = path.read_bytes()
    after = path.stat()
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or len(data) != after.st_size:
        return None
    return data


def _snapshot(path: Path) -> tuple[bytes, tuple[str, str] | None]:
    """The file's bytes, or why they are not a workbook worth parsing (before any parser sees them)."""
    try:
        data = stable_bytes(path, MAX_FILE_BYTES)
    except TooLarge as exc:
        return b"", ("file-sospetto", f"Il file pesa {exc.size // (1024 * 1024)} MB: troppo per un file di "
                     "settore, non viene letto. Forse contiene immagini o fogli non necessari: toglierli e salvare "
                     "di nuovo.")
    except OSError as exc:
        return b"", ("file-non-accessibile",
                     f"Il file non si può leggere ({exc.strerror}): forse è aperto o senza permessi.")
    if data is None:
        return b"", ("file-in-scrittura", "Il file è cambiato mentre veniva letto (qualcuno lo sta salvando): "
                     "non è stato letto. Riprovare quando il salvataggio è terminato.")
    head = data[:8]
    if not head:
        return data, ("file-vuoto", "Il file è vuoto (0 byte): forse il salvataggio non è terminato. Salvarlo di nuovo.")
    if head == _OLE_MAGIC:
        if path.suffix.lower() == ".xls":
            return data, ("formato-xls",
                          "Formato Excel 97-2003 (.xls): aprirlo e salvarlo come cartella di lavoro .xlsx.")
        return data, ("file-protetto", "Il file è protetto da password (cifrato) o è un vecchio .xls rinominato: "
                      "togliere la password di apertura o salvarlo come .xlsx.")
    if not head.startswith(b"PK"):
        return data, ("file-non-excel", "Il file non è una cartella di lavoro Excel (non è un file .xlsx valido): "
                      "forse è un altro tipo di file rinominato.")
    return data, None


def _open_zip(data: bytes) -> tuple[zipfile.ZipFile | None, tuple[str, str] | None]:
    """The workbook's zip, unless it would unpack to far more than it holds (a zip bomb, or a
    sheet of a million formatted empty rows): refused before parsing, in bounded time and memory.
    A zip that does not open gives None: calamine's own error becomes the finding."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return None, None
    for info in zf.infolist():
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_PART_BYTES or (info.file_size > 4 * 1024 * 1024 and ratio > MAX_RATIO):
            return None, ("file-sospetto",
                          f"Una parte del file ({info.filename}) si decomprime in {info.file_size // (1024 * 1024)} "
                          f"MB (compressione {ratio:.0f}:1): troppo per un file di settore, non viene letto. Forse il "
                          "foglio ha un milione di righe vuote formattate: eliminarle e salvare di nuovo.")
    return zf, None


def _active_content(zf: zipfile.ZipFile | None) -> list[tuple[str, str, str]]:
    """(code, sheet, message) of what the dirigente should know about the file: a sheet far larger
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
            found.append(("foglio-sovradimensionato", sheet,
                          f"Il foglio{f' «{sheet}»' if sheet else ''} occupa {info.file_size // (1024 * 1024)} MB "
                          "una volta decompresso, molto più dei suoi dati: di solito sono righe o colonne vuote ma "
                          "formattate. Eliminarle rende il file più leggero e veloce da aprire."))
            break
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        found.append(("macro-presenti", "", "La cartella di lavoro contiene macro (VBA): perf_xl non le esegue. "
                      "Il modello non ne ha bisogno: salvarla come .xlsx senza macro."))
    if any(n.lower().startswith("xl/externallinks/") for n in names):
        found.append(("collegamenti-esterni", "", "La cartella di lavoro contiene collegamenti ad altri file: perf_xl "
                      "non li segue e usa i valori salvati. Sostituire i collegamenti con i valori."))
    return found


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


def _read_indicators(g, schema: WorkbookSchema, sink: _Sink, file: str, result: ReadResult) -> list[IndicatorRow]:
    layout = schema.indicators
    if g is None:
        return []
    if len(g) < layout.header_row:
        sink.add(layout.name, f"A{layout.header_row}", layout.header_row, "", "intestazione-mancante",
                 "Il foglio è vuoto: manca la riga di intestazione del modello.")
        return []
    cols = _header_map(g, layout, sink)
    if not any(k in cols for k in ("indicator", "objective_code")):
        sink.add(layout.name, f"A{layout.header_row}", layout.header_row, "", "intestazione-mancante",
                 f"Riga {layout.header_row} senza le intestazioni del modello: il foglio non è stato letto.")
        return []
    result.columns = cols
    inputs = [c for c in layout.columns if not c.computed and c.key in cols]
    input_idx = [cols[c.key] for c in inputs]
    numeric = [(c.key, cols[c.key]) for c in inputs if c.type in ("number", "integer")]
    texts = [(c.key, cols[c.key]) for c in inputs if c.type not in ("number", "integer")]
    absent = {c.key: (None if c.type in ("number", "integer") else "")
              for c in layout.columns if not c.computed and c.key not in cols}
    width = max(input_idx) + 1
    sheet = layout.name
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
        values = dict(absent)
        for key, i in texts:
            v = row[i]
            values[key] = v.strip() if v.__class__ is str else _text(v)
        for key, i in numeric:
            v = row[i]
            values[key] = v if v.__class__ is float else to_number(v)
        out.append(IndicatorRow(file=file, sheet=sheet, row=excel_row, **values))
    return out


def find_workbooks(folder: str | Path) -> list[Path]:
    """Settore workbooks in a folder (not recursive), skipping Office lock files (``~$…``)."""
    folder = Path(folder)
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith(("~$", ".")))
