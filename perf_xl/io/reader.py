"""Read settore workbooks: values with python-calamine, columns found by the schema's labels.

Reading never raises for bad data: a file that does not open, a missing sheet or
column, a number typed as text, each becomes a :class:`~perf_xl.model.Finding` with
file, sheet and A1 cell, and whatever could be read is returned. Files are opened
read-only; nothing is ever written back.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine
from openpyxl.utils import get_column_letter

from ..model import ERROR, AreaInfo, Finding, IndicatorRow, SettoreWorkbook
from ..numbers import parse_italian_number
from ..schema import SheetLayout, WorkbookSchema, load_schema

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


@dataclass
class ReadResult:
    workbook: SettoreWorkbook | None
    findings: list[Finding] = field(default_factory=list)


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


def _number(v, sink: _Sink, sheet: str, cell: str, row: int, label: str) -> float | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool) or isinstance(v, (_dt.date, _dt.datetime, _dt.time, _dt.timedelta)):
        sink.add(sheet, cell, row, label, "tipo-non-numerico",
                 f"La cella {cell} ({label}) contiene {'un valore VERO/FALSO' if isinstance(v, bool) else 'una data'}: "
                 "scrivere un numero.", str(v))
        return None
    if isinstance(v, (int, float)):
        return float(v)
    parsed = parse_italian_number(str(v))
    if parsed is not None:
        sink.add(sheet, cell, row, label, "numero-come-testo",
                 f"La cella {cell} ({label}) contiene il numero «{v}» scritto come testo: "
                 f"riscriverlo come numero ({parsed:g}).", v)
        return parsed
    sink.add(sheet, cell, row, label, "valore-non-numerico",
             f"La cella {cell} ({label}) deve contenere un numero, non «{v}».", v)
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
                         col.label)
        elif col.required:
            sink.add(layout.name, _cell(col.position - 1, layout.header_row), layout.header_row, col.label,
                     "colonna-mancante",
                     f"Manca la colonna obbligatoria «{col.label}» (attesa in {col.letter}{layout.header_row}).")
    return found


def read_settore_workbook(path: str | Path, schema: WorkbookSchema | None = None) -> ReadResult:
    """Read one settore workbook into plain data and findings."""
    schema = schema or load_schema()
    path = Path(path)
    sink = _Sink(str(path))
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for unreadable files
        sink.add("", "", None, "", "file-illeggibile",
                 f"Il file non si apre come cartella di lavoro Excel (.xlsx/.xlsm): {type(exc).__name__}.",
                 str(exc)[:200])
        return ReadResult(None, sink.findings)
    names = set(book.sheet_names)

    def grid(name: str) -> list[list] | None:
        if name not in names:
            sink.add(name, "", None, "", "foglio-mancante", f"Manca il foglio «{name}» previsto dal modello.")
            return None
        return book.get_sheet_by_name(name).to_python(skip_empty_area=False)

    info = _read_info(grid(schema.info.name), schema, sink)
    areas = _read_areas(grid(schema.areas.name), schema, sink)
    rows = _read_indicators(grid(schema.indicators.name), schema, sink, str(path))
    wb = SettoreWorkbook(info=info, areas=tuple(areas), rows=tuple(rows), path=str(path))
    return ReadResult(wb, sink.findings)


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
        number = _number(get("number"), sink, layout.name, _cell(cols.get("number", 0), r + 1), r + 1, "N.")
        published = _number(get("published_score"), sink, layout.name,
                            _cell(cols.get("published_score", 2), r + 1), r + 1, "% pubblicata")
        out.append(AreaInfo(number=int(number) if number is not None else len(out) + 1, name=name,
                            published=published))
    return out


def _read_indicators(g, schema: WorkbookSchema, sink: _Sink, file: str) -> list[IndicatorRow]:
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
    inputs = [c for c in layout.columns if not c.computed and c.key in cols]
    out = []
    for r in range(layout.header_row, len(g)):
        row = g[r]
        excel_row = r + 1
        raw = {c.key: (row[cols[c.key]] if cols[c.key] < len(row) else "") for c in inputs}
        if all(v is None or v == "" for v in raw.values()):
            continue
        values: dict = {}
        for c in inputs:
            cell = _cell(cols[c.key], excel_row)
            if c.type in ("number", "integer"):
                values[c.key] = _number(raw[c.key], sink, layout.name, cell, excel_row, c.label)
            else:
                values[c.key] = _text(raw[c.key])
        for c in layout.columns:
            if not c.computed and c.key not in values:
                values[c.key] = None if c.type in ("number", "integer") else ""
        out.append(IndicatorRow(file=file, sheet=layout.name, row=excel_row, **values))
    return out


def find_workbooks(folder: str | Path) -> list[Path]:
    """Settore workbooks in a folder (not recursive), skipping Office lock files (``~$…``)."""
    folder = Path(folder)
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith(("~$", ".")))
