"""The checks of settore workbooks on plain data: cells (pandera, generated from ``schemas/``),
rows and objectives, the Info sheet.

* **cells** — a pandera ``DataFrameSchema`` generated from the schema's columns
  (required, numeric, allowed values, ranges), run *once* over the concatenated raw
  cells of every workbook (pandera's cost is per call, not per row);
* **rows and objectives** — small plain functions over the typed rows, for what a
  schema of columns cannot say (weights summing to 100, duplicates, a code with two
  names, atteso 0 on a crescente indicator, binary values, consuntivo still empty).

Every finding is made through the catalog (:mod:`perf_xl.findings`). The formula check, which
reads the sheet's XML, is the app's (:mod:`perf_xl.app.validation`); the structure checks (file
opens, sheets, header row) are the reader's, so a broken file is one finding, not a cascade.
"""

from __future__ import annotations

import datetime
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, NamedTuple

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors
from openpyxl.utils import get_column_letter

from ..findings import finding
from ..model import Finding, IndicatorRow, ReadResult
from ..numbers import format_italian, parse_number_text
from ..schema import Column, WorkbookSchema
from ..scoring import normal_polarity, weights_sum_to_100
from ..wording import bounds, number, shorten

# --- cell checks: pandera, generated from the schema -------------------------------------------

def _load_pandera_backends() -> None:
    """Pandera imports and registers its pandas backend on the first ``validate`` call (a quarter
    of a second): done here, at import, so that start-up cost stays out of the work on files
    (a nightly re-run of one changed workbook would otherwise spend most of its time on it)."""
    probe = pa.DataFrameSchema({"x": pa.Column(object, checks=pa.Check(lambda s: s.isna()), required=False)})
    probe.validate(pd.DataFrame({"x": pd.Series([], dtype=object)}))


_load_pandera_backends()


_NUMBER_TYPES = (float, int)


_ALL_NUMBERS = {"floating", "integer", "mixed-integer-float", "empty"}


def _numeric_mask(s: pd.Series) -> pd.Series:
    """True where the cell holds a real number (not text, not VERO/FALSO, not a date).

    A column of numbers and empty cells (the common case) is recognised in one C pass
    (``infer_dtype`` skips missing values; booleans and dates make it "mixed"); only a
    column holding something else is looked at cell by cell.
    """
    if pd.api.types.infer_dtype(s, skipna=True) in _ALL_NUMBERS:
        return s.notna()
    return s.map(type).isin(_NUMBER_TYPES)


def _in_range(lo: float | None, hi: float | None):
    def check(s: pd.Series) -> pd.Series:
        num = pd.to_numeric(s.where(_numeric_mask(s)), errors="coerce")
        ok = num.isna()
        if lo is not None:
            ok |= num >= lo
        if hi is not None:
            ok &= num.isna() | (num <= hi)
        return ok
    return check


# a number column's range is the schema's (``minimum``/``maximum``, which the template enforces too);
# its code is named here when the column has its own, else valore-fuori-intervallo
_RANGE_CODES = {"weight": "peso-fuori-intervallo"}
# a scoring rule rather than a range of the template: a negative target gives no % di raggiungimento
_RULES = {"target": ("atteso-negativo", _in_range(0, None))}


def cell_schema(schema: WorkbookSchema) -> pa.DataFrameSchema:
    """The pandera schema of the Indicatori sheet's input cells, from ``schemas/settore.toml``.

    Checks are vectorised (one call per column and batch, not per cell): pandera's cost
    is per call, so one schema runs over the concatenated cells of many workbooks.
    """
    columns = {}
    for col in schema.indicators.columns:
        if col.computed:
            continue
        checks = []
        if col.type in ("number", "integer"):
            checks.append(pa.Check(lambda s: s.isna() | _numeric_mask(s), name="tipo-numerico"))
            if col.minimum is not None or col.maximum is not None:
                checks.append(pa.Check(_in_range(col.minimum, col.maximum),
                                       name=_RANGE_CODES.get(col.key, "valore-fuori-intervallo")))
            if col.key in _RULES:
                code, fn = _RULES[col.key]
                checks.append(pa.Check(fn, name=code))
        elif col.type == "choice":
            allowed = list(col.allowed)
            checks.append(pa.Check(lambda s, a=allowed: s.isna() | s.isin(a), name="valore-non-ammesso"))
        columns[col.key] = pa.Column(object, checks=checks, nullable=not col.required, required=False, coerce=False)
    return pa.DataFrameSchema(columns, strict=False, name=schema.indicators.name)


def _cell_finding(check: str, col: Column, cell: str, value, file: str = "", sheet: str = "",
                  row: int | None = None) -> Finding:
    """The finding of a failed cell check (pandera's check name ``check``)."""
    where = dict(file=file, sheet=sheet, cell=cell, row=row, column=col.label, value=value)
    if check == "not_nullable":
        return finding("valore-mancante", **where)
    if check == "tipo-numerico":
        parsed = parse_number_text(value) if isinstance(value, str) else None
        if parsed is not None:
            return finding("numero-come-testo", number=_it(parsed), **where)
        if isinstance(value, bool):
            return finding("tipo-non-numerico", variant="vero-falso", **where)
        if not isinstance(value, str):
            return finding("tipo-non-numerico", **where)
        return finding("valore-non-numerico", **where)
    if check == "valore-non-ammesso":
        meant = normal_polarity(value) if col.key == "polarity" and isinstance(value, str) else ""
        if meant in col.allowed:  # "DECRESCENTE", "decrescente ": scored as meant, reported all the same
            return finding("valore-non-ammesso", variant="inteso", meant=meant, **where)
        return finding("valore-non-ammesso", allowed=", ".join(col.allowed), **where)
    if check == "peso-fuori-intervallo":
        return finding("peso-fuori-intervallo", number=number(value), **where)
    if check == "valore-fuori-intervallo":
        return finding("valore-fuori-intervallo", number=number(value), bounds=bounds(col.minimum, col.maximum),
                       **where)
    if check == "atteso-negativo":
        return finding("atteso-negativo", number=number(value), **where)
    return finding("cella-non-valida", check=check, **where)


def _it(x) -> str:
    """A number as the dirigente should type it (``1082072``, ``24,29``: no exponent, no grouping)."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return format_italian(x, decimals=None, grouping=False)
    return str(x)


def check_cells(reads: list[ReadResult], schema: WorkbookSchema) -> list[Finding]:
    """Run the pandera schema once over the raw cells of all the workbooks given."""
    layout = schema.indicators
    # only the columns the schema checks (optional free text has nothing to check)
    keys = [c.key for c in layout.columns
            if not c.computed and (c.required or c.type in ("number", "integer", "choice"))]
    data: dict[str, list] = {k: [] for k in keys}
    file_idx: list[int] = []
    rows: list[int] = []
    letters = []
    for k, read in enumerate(reads):
        letters.append({key: get_column_letter(i + 1) for key, i in read.columns.items()})
        n = len(read.raw_rows)
        if not n:
            continue
        file_idx.extend([k] * n)
        rows.extend(r for r, _ in read.raw_rows)
        for key in keys:
            i = read.columns.get(key)
            if i is None:
                data[key].extend([None] * n)
            else:  # an empty cell ("" from the reader) is a missing value
                data[key].extend([None if row[i] == "" else row[i] for _, row in read.raw_rows])
    if not rows:
        return []
    df = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in data.items()})
    try:
        cell_schema(schema).validate(df, lazy=True)
        return []
    except SchemaErrors as exc:
        cases = exc.failure_cases
    findings = []
    for case in cases.itertuples(index=False):
        if case.index is None or (isinstance(case.index, float) and math.isnan(case.index)):
            continue  # a column-level failure; columns are the reader's business
        i = int(case.index)
        read = reads[file_idx[i]]
        col = layout.column(case.column)
        if col.key not in read.columns:
            continue  # the column is missing or renamed in this file: already one structure finding
        cell = f"{letters[file_idx[i]][col.key]}{rows[i]}"
        if read.reported and (read.workbook.path, cell) in read.reported:
            continue  # an error value or a non-finite number: already reported by the reader
        value = df.at[i, col.key]
        findings.append(_cell_finding(str(case.check), col, cell, value, read.workbook.path, layout.name, rows[i]))
    return findings


# --- checks across rows ------------------------------------------------------------------------

@dataclass
class _Ctx:
    schema: WorkbookSchema
    letters: dict[str, str]  # column key -> letter where the column was found

    def cell(self, key: str, row: int) -> str:
        return f"{self.letters.get(key, self.schema.indicators.column(key).letter)}{row}"

    def finding(self, r: IndicatorRow, key: str, code: str, value=None, cell: str | None = None,
                variant: str | None = None, **fields) -> Finding:
        col = self.schema.indicators.column(key)
        return finding(code, file=r.file, sheet=r.sheet, cell=cell or self.cell(key, r.row), row=r.row,
                       column=col.label, value=value, variant=variant, **fields)


def _cells(ctx: _Ctx, key: str, rows: list[int]) -> str:
    rows = sorted(rows)
    if rows == list(range(rows[0], rows[-1] + 1)) and len(rows) > 1:
        return f"{ctx.cell(key, rows[0])}:{ctx.cell(key, rows[-1])}"
    return ",".join(ctx.cell(key, r) for r in rows)


def check_objective_weights(rows: list[IndicatorRow], ctx: _Ctx) -> Iterable[Finding]:
    """The weights of an objective's indicators sum to 100 (a neutralised one has peso 0 and a note)."""
    groups: dict[str, list[IndicatorRow]] = defaultdict(list)
    for r in rows:
        groups[r.objective_code].append(r)
    for code, items in groups.items():
        if not code or any(r.weight is None for r in items):
            continue
        total = sum(r.weight for r in items)
        if not weights_sum_to_100(total):
            cells = _cells(ctx, "weight", [r.row for r in items])
            yield ctx.finding(items[0], "weight", "pesi-somma", total, cell=cells, objective_code=code,
                              objective=shorten(items[0].objective, 80), total=number(total))
    for r in rows:
        if r.weight == 0 and not r.note:
            yield ctx.finding(r, "note", "nettizzato-senza-nota")


def check_duplicates(rows: list[IndicatorRow], ctx: _Ctx) -> Iterable[Finding]:
    """The same indicator twice in one objective."""
    seen: dict[tuple[str, str], int] = {}
    for r in rows:
        key = (r.objective_code, " ".join(r.indicator.lower().split()))
        if not key[1]:
            continue
        if key in seen:
            yield ctx.finding(r, "indicator", "indicatore-duplicato", r.indicator, indicator=shorten(r.indicator, 80),
                              objective_code=r.objective_code, first_row=seen[key])
        else:
            seen[key] = r.row


def check_indicator_codes(rows: list[IndicatorRow], ctx: _Ctx) -> Iterable[Finding]:
    """One indicator, one code, within a workbook: the code is what matches it across years."""
    first: dict[str, int] = {}
    for r in rows:
        code = " ".join(r.indicator_code.split())
        if not code:
            continue
        if code in first:
            yield ctx.finding(r, "indicator_code", "codice-indicatore-doppio", r.indicator_code, first_row=first[code])
        else:
            first[code] = r.row


def check_objective_names(rows: list[IndicatorRow], ctx: _Ctx) -> Iterable[Finding]:
    """One objective code, one name, within a workbook."""
    first: dict[str, IndicatorRow] = {}
    for r in rows:
        if not r.objective_code or not r.objective:
            continue
        f = first.setdefault(r.objective_code, r)
        if f.objective != r.objective and " ".join(f.objective.split()) != " ".join(r.objective.split()):
            yield ctx.finding(r, "objective", "codice-nomi-diversi", r.objective, objective_code=r.objective_code,
                              name=shorten(r.objective, 80), first_name=shorten(f.objective, 80), first_row=f.row)


class ObjectiveName(NamedTuple):
    """Where a workbook names an objective code (what the check across workbooks needs)."""

    file: str
    sheet: str
    code: str
    name: str
    row: int
    cell: str


def objective_names(rows: list[IndicatorRow], ctx: _Ctx) -> list[ObjectiveName]:
    """Each objective code of a workbook with its name and first cell (cached by the nightly run)."""
    out: dict[str, ObjectiveName] = {}
    for r in rows:
        if r.objective_code and r.objective and r.objective_code not in out:
            out[r.objective_code] = ObjectiveName(r.file, r.sheet, " ".join(r.objective_code.split()),
                                                  " ".join(r.objective.split()), r.row, ctx.cell("objective", r.row))
    return list(out.values())


def check_values(rows: list[IndicatorRow], ctx: _Ctx) -> Iterable[Finding]:
    """Per-row rules: atteso 0 and binary values (by polarity), consuntivo still empty, a target
    carried over from the previous year and not yet confirmed."""
    for r in rows:
        polarity = normal_polarity(r.polarity)
        if polarity == "crescente" and r.target == 0:
            yield ctx.finding(r, "target", "atteso-zero", 0)
        if polarity == "binario":
            for key in ("target", "actual"):
                v = getattr(r, key)
                if v is not None and v not in (0, 1):
                    yield ctx.finding(r, key, "binario-non-01", v,
                                      label=ctx.schema.indicators.column(key).label.lower(), number=number(v))
        if r.actual is None:
            yield ctx.finding(r, "actual", "consuntivo-mancante")
        if r.target_state == ctx.schema.cycle.pending:  # carried over by new-year, not yet confirmed
            yield ctx.finding(r, "target", "target-da-confermare", r.target, confirmed=ctx.schema.cycle.confirmed,
                              state=ctx.schema.indicators.column("target_state").label,
                              state_cell=ctx.cell("target_state", r.row))


def check_info(read: ReadResult, schema: WorkbookSchema) -> Iterable[Finding]:
    """The Info sheet names the year and the settore."""
    if read.workbook is None or schema.info.name not in read.sheet_names:
        return
    info = read.workbook.info
    for i, f in enumerate(schema.info.fields):
        cell = f"B{schema.info.header_row + 1 + i}"
        v = info.get(f.key)
        where = dict(file=read.workbook.path, sheet=schema.info.name, cell=cell, row=schema.info.header_row + 1 + i,
                     column=f.label)
        if f.required and (v is None or v == ""):
            yield finding("info-mancante", **where)
        elif f.type == "integer" and v not in (None, "") and not isinstance(v, int):
            yield finding("info-non-valida", value=v, **where)
        elif f.type == "date" and v not in (None, "") and not isinstance(v, datetime.date):
            yield finding("info-data-non-valida", value=v, **where)


def finding_order(f: Finding):
    """Findings by file, sheet, row, then column (so a report reads top to bottom)."""
    m = re.match(r"([A-Z]+)(\d+)", f.cell or "")
    col = m.group(1) if m else ""
    return (f.file, f.sheet, f.row or 0, len(col), col, f.code)


