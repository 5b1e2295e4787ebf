"""The approved plan: recorded from the workbooks (``perf-xl approva``), and every difference from it
reported as a finding (``perf-xl validate --piano``), naming the workbook and the cell."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Iterable

from openpyxl.utils import get_column_letter

from ..core.plan import Difference, plan_differences, plan_entry, plan_part, workbook_key
from ..findings import finding
from ..io.manifest import file_digest
from ..io.plan_file import read_plan, write_plan
from ..io.reader import read_settore_workbook
from ..model import Finding
from ..schema import WorkbookSchema, load_schema
from ..scoring import is_number
from ..wording import number


def approve(paths: Iterable[str | Path], out: str | Path, date: _dt.date | None = None,
            schema: WorkbookSchema | None = None) -> tuple[Path, list[str]]:
    """Record the plan of ``paths`` in ``out``: each workbook's SHA-256, Settore, year, objectives and
    indicators with target, weight and polarity, and the date of approval; the files left out
    (not readable as a settore workbook) are returned."""
    schema = schema or load_schema()
    workbooks, left_out = [], []
    for p in paths:
        read = read_settore_workbook(p, schema)
        if read.workbook is None or not read.columns:
            left_out.append(str(p))
            continue
        size, sha = file_digest(p)
        workbooks.append({"file": Path(p).name, "sha256": sha, "size": size,
                          **plan_entry(read.workbook.info, read.workbook.rows)})
    date = date or _dt.date.today()
    return write_plan(out, {"approved_on": date.isoformat(), "workbooks": workbooks}), left_out


def _shown(field: str, value) -> str:
    if value is None or value == "":
        return "vuoto"
    return number(value) if is_number(value) else f"«{value}»"


def plan_findings(paths: Iterable[str | Path], plan_path: str | Path,
                  schema: WorkbookSchema | None = None) -> list[Finding]:
    """Every target, weight or polarity that differs from the approved plan, every indicator or
    objective added or removed, every workbook of the plan missing or not in it."""
    schema = schema or load_schema()
    return findings_against_plan(((str(p), plan_part(read_settore_workbook(p, schema))) for p in paths),
                                 plan_path, schema)


def findings_against_plan(parts: Iterable[tuple[str, dict | None]], plan_path: str | Path,
                          schema: WorkbookSchema) -> list[Finding]:
    """:func:`plan_findings` from each workbook's :func:`~perf_xl.core.plan.plan_part` (None: its
    indicators were not read, already a finding of validation)."""
    plan = read_plan(plan_path)
    approved = {workbook_key(w): w for w in plan["workbooks"]}
    on = approval_date(plan)
    seen, out = set(), []
    for p, part in parts:
        if part is None:
            continue
        key = workbook_key(part["entry"])
        if key in approved:
            seen.add(key)
        out.extend(workbook_plan_findings(p, part, approved.get(key), on, schema))
    out.extend(missing_workbook(plan_path, w, on) for key, w in approved.items() if key not in seen)
    return out


def approval_date(plan: dict) -> str:
    """The plan's date of approval as the findings say it (31/01/2023)."""
    return _dt.date.fromisoformat(plan["approved_on"]).strftime("%d/%m/%Y")


def workbook_plan_findings(path: str, part: dict, base: dict | None, on: str,
                           schema: WorkbookSchema) -> list[Finding]:
    """One workbook's differences from its entry of the plan (``base``; None: the plan has no workbook
    of its Settore and year). The nightly keeps them per workbook, for as long as the workbook and the
    plan stay the same."""
    if base is None:
        settore_cell, settore_row = schema.info.cell("settore")
        return [finding("piano-cartella-nuova", file=path, sheet=schema.info.name, cell=settore_cell,
                        row=settore_row, value=part["entry"]["settore"], date=on)]
    labels = {f: schema.indicators.column(f).label for f in ("target", "weight", "polarity")}
    return [_finding(d, path, part, schema, labels, on) for d in plan_differences(base, part["entry"])]


def missing_workbook(plan_path: str | Path, w: dict, on: str) -> Finding:
    """A workbook of the plan that none of those checked is (by Settore and year)."""
    return finding("piano-cartella-mancante", file=str(plan_path), value=w["settore"], date=on, name=w["file"])


def _where(part: dict, schema: WorkbookSchema, d: Difference, field: str | None) -> dict:
    """The sheet, cell and row of the difference: the field's cell of the indicator's row, else the
    objective's first row."""
    layout = schema.indicators
    rows = [r for r in part["rows"] if r[0] == d.code]
    if d.indicator:
        rows = [r for r in rows if r[1] == d.indicator] or rows
    if not rows:
        return {"sheet": layout.name}
    columns = part["columns"]
    key = field or "objective_code"
    col = columns.get(key, columns.get("objective_code", 0))
    return {"sheet": layout.name, "cell": f"{get_column_letter(col + 1)}{rows[0][2]}", "row": rows[0][2]}


def _finding(d: Difference, file: str, part: dict, schema: WorkbookSchema, labels: dict, on: str) -> Finding:
    if d.kind == "changed":
        return finding("piano-valore-cambiato", file=file, column=labels[d.field], value=_shown(d.field, d.new),
                       **_where(part, schema, d, d.field), objective=d.code, indicator=d.indicator,
                       field=labels[d.field], old=_shown(d.field, d.old), new=_shown(d.field, d.new), date=on)
    if d.kind == "indicator-added":
        return finding("piano-indicatore-aggiunto", file=file, **_where(part, schema, d, "indicator"),
                       objective=d.code, indicator=d.indicator, date=on)
    if d.kind == "indicator-removed":
        return finding("piano-indicatore-rimosso", file=file, **_where(part, schema, d, None),
                       objective=d.code, indicator=d.indicator, date=on)
    if d.kind == "objective-added":
        return finding("piano-obiettivo-aggiunto", file=file, **_where(part, schema, d, None), objective=d.code,
                       date=on)
    return finding("piano-obiettivo-rimosso", file=file, sheet=schema.indicators.name, objective=d.code, date=on)
