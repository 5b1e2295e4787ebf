"""The approved plan: recorded from the workbooks (``perf-xl approva``), and every difference from it
reported as a finding (``perf-xl validate --piano``), naming the workbook and the cell."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Iterable

from openpyxl.utils import get_column_letter

from ..core.plan import Difference, part_register, part_rows, plan_differences, plan_entry, plan_part, workbook_key
from ..core.variations import Resolved, resolve
from ..findings import finding
from ..io.manifest import file_digest
from ..io.plan_file import read_plan, write_plan
from ..io.reader import read_settore_workbook
from ..model import Finding, IndicatorRow, Variation
from ..schema import WorkbookSchema, load_schema
from ..scoring import is_number
from ..wording import count, number


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
    register = part_register(part)
    # each difference and each neutralisation matched with the register of changes (core.variations)
    res = resolve(plan_differences(base, part["entry"]), part_rows(part), register or ())
    out = [_finding(r.difference, path, part, schema, labels, on) if r.entry is None
           else _registered(r, path, part, schema, labels, on) for r in res.changes]
    out.extend(_neutralisations(res.neutralisations, register is not None, path, part, schema, labels, on))
    out.extend(_unused(e, schema, on) for e in res.unused)
    return out


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


# --- the register of changes (the Variazioni sheet) -------------------------------------------------------

def _change(d: Difference | None, row: IndicatorRow | None, labels: dict, on: str) -> str:
    """What changed, as the start of a sentence (a difference from the plan, or a neutralisation)."""
    if d is None:
        return f"L'indicatore «{row.indicator}» dell'obiettivo {row.objective_code} è neutralizzato (peso 0)"
    if d.kind == "changed":
        return (f"{labels[d.field]} dell'indicatore «{d.indicator}» (obiettivo {d.code}) è {_shown(d.field, d.new)} "
                f"invece di {_shown(d.field, d.old)} come nel piano approvato il {on}")
    return {"indicator-added": f"L'indicatore «{d.indicator}» dell'obiettivo {d.code} non è nel piano approvato il {on}",
            "indicator-removed": f"L'indicatore «{d.indicator}» dell'obiettivo {d.code}, presente nel piano approvato "
                                 f"il {on}, non c'è più",
            "objective-added": f"L'obiettivo {d.code} non è nel piano approvato il {on}",
            "objective-removed": f"L'obiettivo {d.code}, presente nel piano approvato il {on}, non c'è più",
            }[d.kind]


def _entry_place(e: Variation, schema: WorkbookSchema, key: str = "objective_code") -> dict:
    layout = schema.variations
    return {"file": e.file, "sheet": layout.name, "cell": layout.cell(key, e.row), "row": e.row,
            "column": layout.column(key).label}


def _weight_letter(part: dict) -> str:
    return get_column_letter(part["columns"].get("weight", 0) + 1)


def _registered(r: Resolved, file: str, part: dict, schema: WorkbookSchema, labels: dict, on: str) -> Finding:
    """A difference or a neutralisation with its entry in the register: approved (an avviso that lists
    it) or only requested (an error naming what is missing)."""
    e, layout = r.entry, schema.variations
    change = _change(r.difference, r.row, labels, on)
    if r.row is not None:
        change += f" (foglio {schema.indicators.name}, cella {_weight_letter(part)}{r.row.row})"
    elif r.difference is not None:
        where = _where(part, schema, r.difference, r.difference.field or None)
        if where.get("cell"):
            change += f" (foglio {where['sheet']}, cella {where['cell']})"
    if e.approved:
        reason = f"«{e.reason}»" if e.reason else "non indicata"
        return finding("variazione-approvata", **_entry_place(e, schema), value=e.approved_with, change=change,
                       act=e.approved_with, approved_on=e.approved_on, reason=reason)
    missing = [k for k in ("approved_with", "approved_on") if not getattr(e, k).strip()]
    return finding("variazione-non-approvata", **_entry_place(e, schema, missing[0]), change=change,
                   missing=" e ".join(f"«{layout.column(k).label}»" for k in missing))


def _neutralisations(items: tuple[Resolved, ...], has_register: bool, file: str, part: dict,
                     schema: WorkbookSchema, labels: dict, on: str) -> list[Finding]:
    """Indicators with peso 0 that are no difference from the plan: each needs an approved entry in the
    register (an error without one); a workbook without the register (an older layout) gets one avviso
    that counts them."""
    if not items:
        return []
    layout = schema.indicators
    col = _weight_letter(part)
    register = schema.variations.name if schema.variations is not None else "Variazioni"
    if not has_register:
        rows = [r.row.row for r in items]
        where = f"riga {rows[0]}" if len(rows) == 1 else "righe " + ", ".join(map(str, rows))
        return [finding("nettizzazioni-senza-registro", file=file, sheet=layout.name, cell=f"{col}{rows[0]}",
                        row=rows[0], column=labels["weight"], value=len(rows),
                        variant="una" if len(rows) == 1 else None, register=register,
                        rows=f"foglio {layout.name}, {where}",
                        **({} if len(rows) == 1 else {"count": count(len(rows), "indicatore", "indicatori")}))]
    out = []
    for r in items:
        if r.entry is None:
            out.append(finding("nettizzazione-non-registrata", file=file, sheet=layout.name, cell=f"{col}{r.row.row}",
                               row=r.row.row, column=labels["weight"], value=r.row.weight, indicator=r.row.indicator,
                               objective=r.row.objective_code, register=register))
        else:
            out.append(_registered(r, file, part, schema, labels, on))
    return out


def _unused(e: Variation, schema: WorkbookSchema, on: str) -> Finding:
    return finding("variazione-senza-differenza", **_entry_place(e, schema), field=f"«{e.field}»" if e.field else
                   "campo vuoto", objective=e.objective_code or "non indicato",
                   indicator=f", indicatore «{e.indicator}»" if e.indicator else "", date=on)
